/**
 * Small helpers every route shares: answers (JSON, problems, redirects, a page), the security
 * headers every response carries, cookies, the request body with a size limit, and the checks
 * that keep another site from using a signed-in browser (CSRF) or sending it elsewhere after
 * sign-in (open redirect).
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export const PROBLEM_BASE = "https://satupintu.go.id/problems/";
/** The header the app's own code sends with every state-changing call. */
export const CSRF_HEADER = "x-requested-with";
export const CSRF_VALUE = "satupintu-web";

/**
 * CSP without inline script or style; `form-action` also names the identity provider, since
 * a sign-in form that posts here is redirected there and browsers check the redirect too.
 */
export function securityHeaders(identityProvider: string): Record<string, string> {
  const idp = new URL(identityProvider).origin;
  return {
    "Content-Security-Policy":
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
      `connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self' ${idp}; ` +
      "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
  });
  response.end(text);
}

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
}

/** An RFC 9457 problem; `kind` is the last segment of its type URI. */
export function problem(status: number, kind: string, title: string, detail: string): Problem {
  return { type: `${PROBLEM_BASE}${kind}`, title, status, detail };
}

export function sendProblem(response: ServerResponse, answer: Problem): void {
  const text = JSON.stringify(answer);
  response.writeHead(answer.status, {
    "Content-Type": "application/problem+json",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
  });
  response.end(text);
}

export function redirect(response: ServerResponse, location: string, cookies: string[] = []): void {
  response.writeHead(302, {
    Location: location,
    "Cache-Control": "no-store",
    ...(cookies.length > 0 ? { "Set-Cookie": cookies } : {}),
  });
  response.end();
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** A plain page for the few answers a browser sees outside the app (no script, no style). */
export function sendPage(
  response: ServerResponse,
  status: number,
  lang: "id" | "en",
  title: string,
  paragraphs: readonly string[],
  link: { readonly href: string; readonly text: string },
): void {
  const body =
    `<!doctype html><html lang="${lang}"><head><meta charset="utf-8">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1>` +
    paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("") +
    `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p></main></body></html>`;
  response.writeHead(status, {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
  });
  response.end(body);
}

/** The request's cookies by name; a malformed percent-encoding keeps the raw value. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const pair of (header ?? "").split(";")) {
    const at = pair.indexOf("=");
    if (at === -1) continue;
    const name = pair.slice(0, at).trim();
    const raw = pair.slice(at + 1).trim();
    if (name === "" || cookies.has(name)) continue;
    try {
      cookies.set(name, decodeURIComponent(raw));
    } catch {
      cookies.set(name, raw);
    }
  }
  return cookies;
}

export interface CookieOptions {
  readonly path: string;
  readonly maxAgeSeconds: number;
  readonly secure: boolean;
}

/** Always HttpOnly and SameSite=Lax: script never reads it, other sites never post with it. */
export function buildCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [
    `${name}=${encodeURIComponent(value)}`,
    `Path=${options.path}`,
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    "HttpOnly",
    "SameSite=Lax",
  ];
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}

/** A path on this site to go back to after sign-in, or `fallback` for anything else. */
export function safeReturnTo(value: string | null | undefined, fallback: string): string {
  if (value == null || value === "") return fallback;
  // A path of our own: one leading slash, not `//host` or `/\host` (which browsers read as
  // another host), no control characters, and it resolves to this very origin.
  if (!value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return fallback;
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return fallback;
  const base = "http://return-to.invalid";
  let resolved: URL;
  try {
    resolved = new URL(value, base);
  } catch {
    return fallback;
  }
  if (resolved.origin !== base) return fallback;
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}

/** `returnTo` with `name=value` added to its query, before any fragment. */
export function withQuery(returnTo: string, name: string, value: string): string {
  const resolved = new URL(returnTo, "http://return-to.invalid");
  resolved.searchParams.set(name, value);
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}

/** A request header's first value. */
export function firstHeader(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Why a state-changing request must be refused, or null: it must carry the app's header (a
 * form on another site cannot set it, and a script there cannot without CORS, which this
 * server never grants) and, when the browser says where it comes from, come from here.
 */
export function crossSiteRefusal(request: IncomingMessage, publicUrl: string): string | null {
  const method = request.method ?? "GET";
  if (method === "GET" || method === "HEAD") return null;
  if (firstHeader(request, CSRF_HEADER) !== CSRF_VALUE) {
    return `a ${method} needs the header X-Requested-With: ${CSRF_VALUE}`;
  }
  const origin = firstHeader(request, "origin");
  if (origin !== undefined && origin !== new URL(publicUrl).origin) {
    return `requests from ${origin} are not accepted`;
  }
  const site = firstHeader(request, "sec-fetch-site");
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    return "requests from another site are not accepted";
  }
  return null;
}

export class BodyTooLarge extends Error {
  override readonly name = "BodyTooLarge";
}

/** The whole request body, refused past `limit` bytes so no client can fill the memory. */
export async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(firstHeader(request, "content-length") ?? "0");
  if (declared > limit) throw new BodyTooLarge(`the body is larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new BodyTooLarge(`the body is larger than ${limit} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
