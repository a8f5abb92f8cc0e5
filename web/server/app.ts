/**
 * The server's routes: health, sign-in and session (`/auth/*`), the gateway behind `/api/*`,
 * and the built app for everything else. Everything a browser could misuse is checked here:
 * the return path after sign-in, the origin of every write, and which gateway paths an
 * officer's session reaches.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import type { Config } from "./config";
import { type Gateway, TokenRefused } from "./gateway";
import {
  buildCookie,
  crossSiteRefusal,
  parseCookies,
  problem,
  redirect,
  safeReturnTo,
  securityHeaders,
  sendJson,
  sendPage,
  sendProblem,
  withQuery,
} from "./http";
import { type IdentityProvider, SignInFailed } from "./oidc";
import { API_PREFIX, counterMayUse, forward, gatewayPath } from "./proxy";
import {
  describeSession,
  ExpiringMap,
  newId,
  type PendingLogin,
  type Session,
} from "./sessions";
import type { StaticFiles } from "./static";

export const SESSION_COOKIE = "sp_session";
/** Ties a sign-in's callback to the browser that started it (no login CSRF). */
export const LOGIN_COOKIE = "sp_login";
const CALLBACK_PATH = "/auth/callback";
const LOGIN_TTL_MS = 10 * 60_000;
/** An officer signs in once for a shift at the counter. */
export const OFFICER_SESSION_MS = 8 * 3600_000;
const NIK = /^[0-9]{16}$/;

export interface Dependencies {
  readonly config: Config;
  readonly idp: IdentityProvider;
  readonly gateway: Gateway;
  readonly files: StaticFiles;
  readonly now?: () => number;
}

export interface App {
  readonly handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
  /** Drops expired sessions and abandoned sign-ins. */
  readonly sweep: () => void;
}

const DENIED_OFFICER = {
  id: {
    title: "Anda tidak terdaftar sebagai petugas loket",
    text: "NIK yang Anda gunakan untuk masuk tidak terdaftar sebagai petugas loket MPP ini.",
    link: "Kembali ke konsol loket",
  },
  en: {
    title: "You are not registered as a counter officer",
    text: "The NIK you signed in with is not registered as an officer of this MPP counter.",
    link: "Back to the counter console",
  },
} as const;

export function createApp(deps: Dependencies): App {
  const { config, idp, gateway, files } = deps;
  const now = deps.now ?? Date.now;
  const sessions = new ExpiringMap<Session>(100_000, now);
  const pending = new ExpiringMap<PendingLogin>(10_000, now);
  const headers = securityHeaders(config.idpIssuer);
  const counter = { agency: config.counterAgency, name: config.counterName };

  const sessionCookie = (session: Session): string =>
    buildCookie(SESSION_COOKIE, session.id, {
      path: "/",
      maxAgeSeconds: (session.expiresAt - now()) / 1000,
      secure: config.secureCookies,
    });
  const clearedCookie = (name: string, path: string): string =>
    buildCookie(name, "", { path, maxAgeSeconds: 0, secure: config.secureCookies });

  /** The browser's session; an acting-for token that ran out drops back to the citizen's own. */
  const current = (request: IncomingMessage): Session | undefined => {
    const id = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
    const session = id === undefined ? undefined : sessions.get(id);
    if (session?.actingFor != null && session.actingFor.grant.expiresAt <= now()) {
      session.actingFor = null;
    }
    return session;
  };

  const login = async (url: URL, request: IncomingMessage, response: ServerResponse) => {
    const role = url.searchParams.get("as");
    if (role !== "citizen" && role !== "officer") {
      sendProblem(
        response,
        problem(400, "invalid-request", "Invalid sign-in request", "as must be citizen or officer"),
      );
      return;
    }
    const returnTo = safeReturnTo(
      url.searchParams.get("return_to"),
      role === "officer" ? "/counter" : "/",
    );
    const lang = url.searchParams.get("lang") === "en" ? "en" : "id";
    const actFor = url.searchParams.get("act_for");
    if (actFor !== null) {
      if (role !== "citizen" || !NIK.test(actFor)) {
        redirect(response, withQuery(returnTo, "auth_error", "invalid_request"));
        return;
      }
      if (current(request)?.role !== "citizen") {
        redirect(response, withQuery(returnTo, "auth_error", "login_required"));
        return;
      }
    }
    let asked: Awaited<ReturnType<IdentityProvider["authorizationRequest"]>>;
    try {
      asked = await idp.authorizationRequest(lang);
    } catch (error) {
      console.error(`identity provider unavailable: ${String(error)}`);
      redirect(response, withQuery(returnTo, "auth_error", "temporarily_unavailable"));
      return;
    }
    pending.set(asked.state, {
      role,
      codeVerifier: asked.codeVerifier,
      nonce: asked.nonce,
      returnTo,
      lang,
      actFor,
      expiresAt: now() + LOGIN_TTL_MS,
    });
    const bound = buildCookie(LOGIN_COOKIE, asked.state, {
      path: CALLBACK_PATH,
      maxAgeSeconds: LOGIN_TTL_MS / 1000,
      secure: config.secureCookies,
    });
    redirect(response, asked.url, [bound]);
  };

  const callback = async (url: URL, request: IncomingMessage, response: ServerResponse) => {
    const state = url.searchParams.get("state");
    const bound = parseCookies(request.headers.cookie).get(LOGIN_COOKIE);
    const unbind = clearedCookie(LOGIN_COOKIE, CALLBACK_PATH);
    const started = state === null ? undefined : pending.take(state);
    if (started === undefined || bound !== state) {
      redirect(response, "/?auth_error=login_expired", [unbind]);
      return;
    }
    const back = (error: string) =>
      redirect(response, withQuery(started.returnTo, "auth_error", error), [unbind]);
    let signedIn: Awaited<ReturnType<IdentityProvider["complete"]>>;
    try {
      signedIn = await idp.complete(url, { ...started, state });
    } catch (error) {
      if (!(error instanceof SignInFailed)) throw error;
      back(error.code);
      return;
    }
    const existing = current(request);
    // A new id on every sign-in, so an id planted before it is worth nothing after.
    const startSession = (role: Session["role"], own: Session["own"], expiresAt: number) => {
      if (existing !== undefined) sessions.delete(existing.id);
      const session: Session = {
        id: newId(),
        role,
        nik: signedIn.nik,
        name: signedIn.name,
        own,
        actingFor: null,
        expiresAt,
      };
      sessions.set(session.id, session);
      redirect(response, started.returnTo, [unbind, sessionCookie(session)]);
    };
    if (started.role === "officer") {
      if (!config.counterOfficers.has(signedIn.nik)) {
        const text = DENIED_OFFICER[started.lang];
        response.setHeader("Set-Cookie", unbind);
        sendPage(response, 403, started.lang, text.title, [text.text], {
          href: "/counter",
          text: text.link,
        });
        return;
      }
      try {
        await gateway.counterToken();
      } catch (error) {
        if (!(error instanceof TokenRefused)) throw error;
        back(error.error);
        return;
      }
      startSession("officer", null, now() + OFFICER_SESSION_MS);
      return;
    }
    if (started.actFor !== null) {
      // The same citizen, again with their PIN; only then is the exchange for someone else
      // asked, and a refusal leaves the session as it was.
      if (existing?.role !== "citizen" || existing.nik !== signedIn.nik) {
        back("different_person");
        return;
      }
      try {
        const own = existing.own;
        const scopes = own === null ? [] : await gateway.mandateScopes(own, started.actFor);
        const grant = await gateway.exchange(signedIn.idToken, started.actFor, scopes);
        const name = (await gateway.citizenName(grant, started.actFor, scopes)) ?? started.actFor;
        existing.actingFor = { nik: started.actFor, name, grant };
      } catch (error) {
        if (!(error instanceof TokenRefused)) throw error;
        back(error.error);
        return;
      }
      redirect(response, started.returnTo, [unbind]);
      return;
    }
    let grant: Awaited<ReturnType<Gateway["exchange"]>>;
    try {
      grant = await gateway.exchange(signedIn.idToken, null);
    } catch (error) {
      if (!(error instanceof TokenRefused)) throw error;
      back(error.error);
      return;
    }
    startSession("citizen", grant, grant.expiresAt);
  };

  const refusedWrite = (request: IncomingMessage, response: ServerResponse): boolean => {
    const refusal = crossSiteRefusal(request, config.publicUrl);
    if (refusal === null) return false;
    sendProblem(response, problem(403, "cross-site-request", "Request refused", refusal));
    return true;
  };

  const notSignedIn = problem(
    401,
    "not-signed-in",
    "Not signed in",
    "Sign in first; the session may have ended.",
  );

  const api = async (
    request: IncomingMessage,
    response: ServerResponse,
    rawPath: string,
    query: string,
  ) => {
    if (refusedWrite(request, response)) return;
    const session = current(request);
    if (session === undefined) {
      sendProblem(response, notSignedIn);
      return;
    }
    const path = gatewayPath(rawPath);
    if (path === null) {
      sendProblem(response, problem(404, "not-found", "Not found", "There is no such API path."));
      return;
    }
    let token: string;
    if (session.role === "officer") {
      if (!counterMayUse(path)) {
        sendProblem(
          response,
          problem(403, "forbidden", "Not for the counter", "The counter console cannot use this."),
        );
        return;
      }
      try {
        token = (await gateway.counterToken()).accessToken;
      } catch (error) {
        if (!(error instanceof TokenRefused)) throw error;
        sendProblem(
          response,
          problem(503, "gateway-unavailable", "The service is not reachable", error.message),
        );
        return;
      }
    } else {
      const grant = session.actingFor?.grant ?? session.own;
      if (grant === null) {
        sendProblem(response, notSignedIn);
        return;
      }
      token = grant.accessToken;
    }
    await forward(request, response, { gatewayUrl: config.gatewayUrl, path, query }, token);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    const method = request.method ?? "GET";
    const raw = request.url ?? "/";
    const at = raw.indexOf("?");
    const rawPath = at === -1 ? raw : raw.slice(0, at);
    const query = at === -1 ? "" : raw.slice(at);
    let url: URL;
    try {
      url = new URL(raw, config.publicUrl);
    } catch {
      sendProblem(response, problem(400, "invalid-request", "Bad request", "Malformed URL."));
      return;
    }
    const read = method === "GET" || method === "HEAD";
    try {
      if (rawPath === API_PREFIX || rawPath.startsWith(`${API_PREFIX}/`)) {
        await api(request, response, rawPath, query);
      } else if (rawPath === "/healthz" && read) {
        sendJson(response, 200, { status: "ok" });
      } else if (rawPath === "/auth/login" && read) {
        await login(url, request, response);
      } else if (rawPath === CALLBACK_PATH && read) {
        await callback(url, request, response);
      } else if (rawPath === "/auth/session" && read) {
        sendJson(response, 200, describeSession(current(request), counter));
      } else if (rawPath === "/auth/act-for/stop" && method === "POST") {
        if (refusedWrite(request, response)) return;
        const session = current(request);
        if (session?.role !== "citizen") {
          sendProblem(response, notSignedIn);
          return;
        }
        session.actingFor = null;
        sendJson(response, 200, describeSession(session, counter));
      } else if (rawPath === "/auth/logout" && method === "POST") {
        if (refusedWrite(request, response)) return;
        const session = current(request);
        if (session !== undefined) sessions.delete(session.id);
        response.writeHead(204, {
          "Set-Cookie": clearedCookie(SESSION_COOKIE, "/"),
          "Cache-Control": "no-store",
        });
        response.end();
      } else if (rawPath.startsWith("/auth/") || rawPath === "/healthz") {
        sendProblem(response, problem(404, "not-found", "Not found", "There is no such page."));
      } else if (!read) {
        response.setHeader("Allow", "GET, HEAD");
        sendProblem(
          response,
          problem(405, "method-not-allowed", "Method not allowed", `${method} is not allowed.`),
        );
      } else if (rawPath.startsWith("/assets/")) {
        await files.asset(request, response, rawPath);
      } else if (/\.[A-Za-z0-9]+$/.test(rawPath)) {
        // A file name outside /assets/ (favicon.ico, robots.txt): no page of the app.
        sendProblem(response, problem(404, "not-found", "Not found", "There is no such file."));
      } else {
        await files.page(request, response);
      }
    } catch (error) {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      if (!response.headersSent) {
        sendProblem(
          response,
          problem(500, "internal-error", "Something went wrong", "Please try again later."),
        );
      } else {
        response.destroy();
      }
    }
  };

  const sweep = () => {
    sessions.sweep();
    pending.sweep();
  };
  return { handle, sweep };
}
