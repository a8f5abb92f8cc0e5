/**
 * Sign-in at the national identity provider with openid-client: discovery, the authorization
 * URL (code flow, PKCE S256, state, nonce) and the code exchange, whose ID token it validates
 * (issuer, audience, expiry, nonce, and its signature against the provider's keys).
 */
import * as oidc from "openid-client";

import type { ClientCredentials } from "./config";

export interface SignedIn {
  readonly nik: string;
  readonly name: string;
  /** The raw ID token, which the gateway exchanges once for an access token. */
  readonly idToken: string;
}

export interface AuthorizationRequest {
  readonly url: string;
  readonly codeVerifier: string;
  readonly nonce: string;
  readonly state: string;
}

export class SignInFailed extends Error {
  override readonly name = "SignInFailed";

  /** `code` is what the app is told in `?auth_error=`: the provider's error or our own. */
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class IdentityProvider {
  #configuration: Promise<oidc.Configuration> | null = null;

  constructor(
    private readonly issuer: string,
    private readonly client: ClientCredentials,
    private readonly redirectUri: string,
  ) {}

  /**
   * The provider's metadata, fetched on first use and kept; a failed discovery is forgotten,
   * so the next sign-in tries again instead of the server staying broken.
   */
  configuration(): Promise<oidc.Configuration> {
    if (this.#configuration === null) {
      const insecure = this.issuer.startsWith("http:");
      const found = oidc
        .discovery(
          new URL(this.issuer),
          this.client.id,
          undefined,
          // The provider takes the secret only as HTTP Basic (client_secret_basic).
          oidc.ClientSecretBasic(this.client.secret),
          {
            // A local provider over plain HTTP (the demo, the tests); nothing else may be.
            execute: insecure
              ? [oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks]
              : [oidc.enableNonRepudiationChecks],
          },
        )
        .catch((error: unknown) => {
          this.#configuration = null;
          throw error;
        });
      this.#configuration = found;
    }
    return this.#configuration;
  }

  async authorizationRequest(lang: "id" | "en"): Promise<AuthorizationRequest> {
    const configuration = await this.configuration();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: "openid",
      response_type: "code",
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: "S256",
      state,
      nonce,
      ui_locales: lang,
    });
    return { url: url.href, codeVerifier, nonce, state };
  }

  /** The signed-in citizen, from the callback URL the provider sent the browser to. */
  async complete(
    callback: URL,
    expected: { readonly state: string; readonly nonce: string; readonly codeVerifier: string },
  ): Promise<SignedIn> {
    const providerError = callback.searchParams.get("error");
    if (providerError !== null) {
      throw new SignInFailed(providerError, callback.searchParams.get("error_description") ?? "");
    }
    const configuration = await this.configuration();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(configuration, callback, {
        pkceCodeVerifier: expected.codeVerifier,
        expectedState: expected.state,
        expectedNonce: expected.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw new SignInFailed("sign_in_failed", error instanceof Error ? error.message : "");
    }
    const claims = tokens.claims();
    const idToken = tokens.id_token;
    const nik = typeof claims?.nik === "string" ? claims.nik : claims?.sub;
    if (claims === undefined || idToken === undefined || nik === undefined) {
      throw new SignInFailed("sign_in_failed", "the ID token names no citizen");
    }
    const name = typeof claims.name === "string" ? claims.name : nik;
    return { nik, name, idToken };
  }
}
