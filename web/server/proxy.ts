/**
 * `/api/<path>` to the gateway's `/<path>` with the session's token: the browser never holds
 * a token, and only the headers the app needs cross in either direction (no cookie reaches
 * the gateway, no gateway header the app has no use for reaches the browser).
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import { BodyTooLarge, problem, readBody, sendProblem } from "./http";

export const API_PREFIX = "/api";
const REQUEST_HEADERS = [
  "content-type",
  "accept",
  "accept-language",
  "idempotency-key",
  "x-purpose",
  "if-none-match",
] as const;
const RESPONSE_HEADERS = ["content-type", "etag", "retry-after", "content-language"] as const;
/** What the counter console uses; an officer's session reaches nothing else. */
export const COUNTER_PATHS = [
  "/v1/citizens",
  "/v1/vehicles",
  "/v1/service-requests",
  "/v1/complaints",
  "/v1/services",
  "/v1/reference",
] as const;
const BODY_LIMIT = 1024 * 1024;
const TIMEOUT_MS = 60_000;

/**
 * The gateway path for a request's path under `/api`, or null when it is not one this proxy
 * forwards: only `/v1/` (not the token endpoint), and nothing that could mean another path
 * once the gateway decodes it (encoded slashes, backslashes, dot segments).
 */
export function gatewayPath(rawPath: string): string | null {
  if (!rawPath.startsWith(`${API_PREFIX}/`)) return null;
  const path = rawPath.slice(API_PREFIX.length);
  if (/%2f|%5c|%2e|\\/i.test(path)) return null;
  if (path.split("/").some((segment) => segment === "." || segment === "..")) return null;
  if (!path.startsWith("/v1/") || path === "/v1/oauth" || path.startsWith("/v1/oauth/")) {
    return null;
  }
  return path;
}

export function counterMayUse(path: string): boolean {
  return COUNTER_PATHS.some((allowed) => path === allowed || path.startsWith(`${allowed}/`));
}

/** A gateway `Location` shown as the same resource under `/api`, so the app can follow it. */
export function browserLocation(location: string, gatewayUrl: string): string {
  if (location.startsWith(`${gatewayUrl}/`)) {
    return `${API_PREFIX}${location.slice(gatewayUrl.length)}`;
  }
  if (location.startsWith("/")) return `${API_PREFIX}${location}`;
  return location;
}

export async function forward(
  request: IncomingMessage,
  response: ServerResponse,
  target: { readonly gatewayUrl: string; readonly path: string; readonly query: string },
  accessToken: string,
): Promise<void> {
  const method = request.method ?? "GET";
  const headers: Record<string, string> = { Authorization: `Bearer ${accessToken}` };
  for (const name of REQUEST_HEADERS) {
    const value = request.headers[name];
    if (typeof value === "string") headers[name] = value;
  }
  let body: Buffer | undefined;
  if (method !== "GET" && method !== "HEAD") {
    try {
      body = await readBody(request, BODY_LIMIT);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      sendProblem(
        response,
        problem(413, "payload-too-large", "Request body too large", error.message),
      );
      return;
    }
  }
  let answer: Response;
  try {
    answer = await fetch(`${target.gatewayUrl}${target.path}${target.query}`, {
      method,
      headers,
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
      ...(body === undefined || body.length === 0 ? {} : { body: new Uint8Array(body) }),
    });
  } catch (error) {
    const timedOut = error instanceof Error && error.name === "TimeoutError";
    sendProblem(
      response,
      problem(
        timedOut ? 504 : 502,
        "gateway-unavailable",
        "The service is not reachable",
        timedOut ? "The gateway did not answer in time." : "The gateway could not be reached.",
      ),
    );
    return;
  }
  const passed: Record<string, string> = { "Cache-Control": "no-store" };
  for (const name of RESPONSE_HEADERS) {
    const value = answer.headers.get(name);
    if (value !== null) passed[name] = value;
  }
  const location = answer.headers.get("location");
  if (location !== null) passed.location = browserLocation(location, target.gatewayUrl);
  const content = Buffer.from(await answer.arrayBuffer());
  response.writeHead(answer.status, { ...passed, "Content-Length": content.length });
  response.end(method === "HEAD" ? undefined : content);
}
