/**
 * The satupintu API client: openapi-fetch called with the types openapi-typescript generated
 * from the committed OpenAPI document, so a path, parameter or body the API does not accept is
 * a compile error and every answer, problems included, arrives typed.
 */
import createClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, operations, paths } from "./schema.js";

/** A client for one gateway; every call is typed by `paths`. */
export type SatupintuClient = Client<paths>;

/** The grant a client-credentials token request sends (RFC 6749 section 4.4). */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  /** Narrows the token to some of the client's scopes, space-separated. */
  scope?: string;
  /** The NIK a portal or kiosk acts for; its token then reaches that citizen only. */
  subject?: string;
}

/**
 * A client that sends `accessToken` as the bearer on every call. `X-Purpose`, which officer
 * and system clients owe on personal data, is set here when one purpose covers the whole
 * session, or per call in `params.header`.
 */
export function createSatupintuClient(
  baseUrl: string,
  accessToken: string,
  options: { purpose?: string } & Omit<ClientOptions, "baseUrl" | "headers"> = {},
): SatupintuClient {
  const { purpose, ...rest } = options;
  return createClient<paths>({
    ...rest,
    baseUrl,
    headers: {
      Authorization: `Bearer ${accessToken}`,
      ...(purpose === undefined ? {} : { "X-Purpose": purpose }),
    },
  });
}

/**
 * Obtains an access token. The token endpoint takes a form-encoded body (OAuth 2.0 requires
 * it), which openapi-fetch sends when the content type says so; the credentials go as HTTP
 * Basic, which keeps the secret out of bodies that proxies might log.
 */
export async function fetchToken(
  baseUrl: string,
  credentials: ClientCredentials,
  options: Omit<ClientOptions, "baseUrl" | "headers"> = {},
): Promise<components["schemas"]["TokenResponse"]> {
  const client = createClient<paths>({ ...options, baseUrl });
  const basic = btoa(`${credentials.clientId}:${credentials.clientSecret}`);
  const { data, error, response } = await client.POST("/v1/oauth/token", {
    headers: { Authorization: `Basic ${basic}`, "Content-Type": "application/x-www-form-urlencoded" },
    body: {
      grant_type: "client_credentials",
      ...(credentials.scope === undefined ? {} : { scope: credentials.scope }),
      ...(credentials.subject === undefined ? {} : { subject: credentials.subject }),
    },
  });
  if (data === undefined) {
    throw new Error(`token request refused (${response.status}): ${error?.title ?? response.statusText}`);
  }
  return data;
}
