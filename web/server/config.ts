/**
 * The server side's settings, from the environment only. Every one is required except the
 * counter's display name: a secret with a default would be a secret everyone knows, and a
 * forgotten URL is better caught at start than at a citizen's first sign-in.
 */

export interface ClientCredentials {
  readonly id: string;
  readonly secret: string;
}

export interface Config {
  readonly port: number;
  /** Where browsers reach this server (an origin); the redirect URI and the allowed Origin. */
  readonly publicUrl: string;
  /** Cookies get `Secure` when browsers reach the app over HTTPS. */
  readonly secureCookies: boolean;
  readonly gatewayUrl: string;
  readonly idpIssuer: string;
  /** This app's client at the identity provider (confidential: the secret stays here). */
  readonly idp: ClientCredentials;
  /** The gateway's portal client, which exchanges a citizen's ID token. */
  readonly portal: ClientCredentials;
  /** The gateway's officer client used by the counter console. */
  readonly counter: ClientCredentials;
  readonly counterOfficers: ReadonlySet<string>;
  readonly counterAgency: string;
  readonly counterName: string;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

type Environment = Readonly<Record<string, string | undefined>>;

const NIK = /^[0-9]{16}$/;
const AGENCY_CODE = /^[a-z][a-z0-9_]{1,63}$/;

/** The settings, or a ConfigError naming every variable that is missing or wrong at once. */
export function parseConfig(env: Environment): Config {
  const problems: string[] = [];

  const required = (name: string): string => {
    const value = env[name]?.trim() ?? "";
    if (value === "") problems.push(`${name} is not set`);
    return value;
  };

  /** The URL without a trailing slash, so that `${url}/path` joins once. */
  const url = (name: string): string => {
    const value = required(name);
    if (value === "") return "";
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
        problems.push(`${name} must be an http or https URL, not ${JSON.stringify(value)}`);
      } else if (parsed.search !== "" || parsed.hash !== "") {
        problems.push(`${name} must not have a query or fragment`);
      }
      return parsed.href.replace(/\/+$/, "");
    } catch {
      problems.push(`${name} must be a URL, not ${JSON.stringify(value)}`);
      return "";
    }
  };

  const portText = required("WEB_PORT");
  const port = Number(portText);
  if (portText !== "" && (!/^[0-9]+$/.test(portText) || port < 1 || port > 65535)) {
    problems.push(`WEB_PORT must be a port number (1-65535), not ${JSON.stringify(portText)}`);
  }

  const publicUrl = url("WEB_PUBLIC_URL");
  if (publicUrl !== "" && new URL(publicUrl).origin !== publicUrl) {
    problems.push("WEB_PUBLIC_URL must be an origin (scheme, host, port) without a path");
  }
  const gatewayUrl = url("WEB_GATEWAY_URL");
  const idpIssuer = url("WEB_IDP_ISSUER");
  const idp = { id: required("WEB_IDP_CLIENT_ID"), secret: required("WEB_IDP_CLIENT_SECRET") };
  const portal = {
    id: required("WEB_PORTAL_CLIENT_ID"),
    secret: required("WEB_PORTAL_CLIENT_SECRET"),
  };
  const counter = {
    id: required("WEB_COUNTER_CLIENT_ID"),
    secret: required("WEB_COUNTER_CLIENT_SECRET"),
  };

  const officers = required("WEB_COUNTER_OFFICERS")
    .split(",")
    .map((nik) => nik.trim())
    .filter((nik) => nik !== "");
  const malformed = officers.filter((nik) => !NIK.test(nik));
  if (malformed.length > 0) {
    problems.push(`WEB_COUNTER_OFFICERS must be 16-digit NIKs; not ${malformed.join(", ")}`);
  }

  const counterAgency = required("WEB_COUNTER_AGENCY");
  if (counterAgency !== "" && !AGENCY_CODE.test(counterAgency)) {
    const given = JSON.stringify(counterAgency);
    problems.push(`WEB_COUNTER_AGENCY must be an agency code, not ${given}`);
  }
  const counterName = env.WEB_COUNTER_NAME?.trim() || counterAgency;

  if (problems.length > 0) {
    throw new ConfigError(`the web app cannot start:\n  ${problems.join("\n  ")}`);
  }
  return {
    port,
    publicUrl,
    secureCookies: publicUrl.startsWith("https:"),
    gatewayUrl,
    idpIssuer,
    idp,
    portal,
    counter,
    counterOfficers: new Set(officers),
    counterAgency,
    counterName,
  };
}
