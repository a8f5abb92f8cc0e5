/**
 * The gateway's token endpoint, as the two confidential clients this server holds: the portal
 * exchanges a citizen's ID token for a token bound to that citizen (RFC 8693), the counter
 * gets a client-credentials token it shares across officer sessions and renews before expiry.
 */
import type { ClientCredentials } from "./config";
import type { Grant } from "./sessions";

export const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
export const ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";
/** A token this close to its end is renewed, so no call leaves with one about to expire. */
const RENEW_BEFORE_MS = 60_000;
const TIMEOUT_MS = 15_000;

/** The gateway said no (`error` is RFC 6749's, e.g. `invalid_grant`), or could not be reached. */
export class TokenRefused extends Error {
  override readonly name = "TokenRefused";

  constructor(
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

function basic(client: ClientCredentials): string {
  // RFC 6749 2.3.1: each part form-encoded before the Base64.
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, "+");
  return `Basic ${Buffer.from(`${encode(client.id)}:${encode(client.secret)}`).toString("base64")}`;
}

export class Gateway {
  #counter: Grant | null = null;
  #counterPending: Promise<Grant> | null = null;

  constructor(
    readonly baseUrl: string,
    private readonly portal: ClientCredentials,
    private readonly counter: ClientCredentials,
    private readonly now: () => number = Date.now,
  ) {}

  async #token(client: ClientCredentials, form: Record<string, string>): Promise<Grant> {
    let answer: Response;
    try {
      answer = await fetch(`${this.baseUrl}/v1/oauth/token`, {
        method: "POST",
        headers: {
          Authorization: basic(client),
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: "application/json",
        },
        body: new URLSearchParams(form),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new TokenRefused(
        "temporarily_unavailable",
        `the gateway did not answer: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const body = (await answer.json().catch(() => ({}))) as Record<string, unknown>;
    if (!answer.ok) {
      const error = typeof body.error === "string" ? body.error : "server_error";
      const detail = typeof body.detail === "string" ? body.detail : `HTTP ${answer.status}`;
      throw new TokenRefused(error, detail);
    }
    const accessToken = body.access_token;
    const expiresIn = body.expires_in;
    if (typeof accessToken !== "string" || typeof expiresIn !== "number") {
      throw new TokenRefused("server_error", "the gateway's token answer is malformed");
    }
    return { accessToken, expiresAt: this.now() + expiresIn * 1000 };
  }

  /**
   * A token for the citizen who signed in, or for `requestedSubject` they may act for. Without
   * `scopes` it asks for every scope the portal has, which a parent or head of family may; a
   * mandate holder gets no more than the mandate covers, so must name exactly that.
   */
  exchange(
    idToken: string,
    requestedSubject: string | null,
    scopes: readonly string[] = [],
  ): Promise<Grant> {
    return this.#token(this.portal, {
      grant_type: TOKEN_EXCHANGE,
      subject_token_type: ID_TOKEN_TYPE,
      subject_token: idToken,
      ...(requestedSubject === null ? {} : { requested_subject: requestedSubject }),
      ...(scopes.length === 0 ? {} : { scope: scopes.join(" ") }),
    });
  }

  /**
   * The scopes of the mandate in force that `grantorNik` gave the holder of `grant`, or none
   * when there is no such mandate (acting as a parent or head of family needs none).
   */
  async mandateScopes(grant: Grant, grantorNik: string): Promise<string[]> {
    try {
      const answer = await fetch(`${this.baseUrl}/v1/mandates`, {
        headers: { Authorization: `Bearer ${grant.accessToken}`, Accept: "application/json" },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!answer.ok) return [];
      return scopesReceivedFrom(await answer.json(), grantorNik);
    } catch {
      return [];
    }
  }

  /** The counter's token, reused until a minute before it expires; one renewal at a time. */
  async counterToken(): Promise<Grant> {
    const held = this.#counter;
    if (held !== null && held.expiresAt - RENEW_BEFORE_MS > this.now()) return held;
    if (this.#counterPending === null) {
      this.#counterPending = this.#token(this.counter, { grant_type: "client_credentials" })
        .then((grant) => {
          this.#counter = grant;
          return grant;
        })
        .finally(() => {
          this.#counterPending = null;
        });
    }
    return this.#counterPending;
  }

  /**
   * The citizen's name as the civil registry has it, read with a token that reaches them. The
   * read shows in the citizen's access log, and a name needs no vehicles, businesses or
   * insurance: a parent's token asks only the civil registry's parts; a mandate's token
   * (`scopes`) releases no more than the mandate covers, which may not include the family card.
   */
  async citizenName(grant: Grant, nik: string, scopes: readonly string[]): Promise<string | null> {
    try {
      const only = scopes.length === 0 ? "?include=family" : "";
      const url = `${this.baseUrl}/v1/citizens/${encodeURIComponent(nik)}${only}`;
      const answer = await fetch(url, {
        headers: { Authorization: `Bearer ${grant.accessToken}`, Accept: "application/json" },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!answer.ok) return null;
      const profile = (await answer.json()) as { identity?: { full_name?: unknown } | null };
      const name = profile.identity?.full_name;
      return typeof name === "string" ? name : null;
    } catch {
      return null;
    }
  }
}

/** The scopes of the active mandate from `grantorNik` in a `GET /v1/mandates` answer. */
export function scopesReceivedFrom(list: unknown, grantorNik: string): string[] {
  const received = (list as { received?: unknown } | null)?.received;
  if (!Array.isArray(received)) return [];
  for (const mandate of received as Array<Record<string, unknown>>) {
    if (mandate.grantor_nik !== grantorNik || mandate.status !== "active") continue;
    const scopes = mandate.scopes;
    if (Array.isArray(scopes) && scopes.every((scope) => typeof scope === "string")) {
      return scopes as string[];
    }
  }
  return [];
}
