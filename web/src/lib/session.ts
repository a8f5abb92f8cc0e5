/**
 * Who is signed in, as the BFF tells it (`GET /auth/session`), and the ways in and out. Signing
 * in and acting for someone are full-page navigations to the BFF (it runs the identity
 * provider's code flow); logout and "stop acting" are POSTs that carry the CSRF header.
 */
import { createContext, h, type ComponentChildren, type JSX } from "preact";
import { useCallback, useContext, useEffect, useMemo, useState } from "preact/hooks";
import { REQUESTED_WITH } from "./api.js";
import type { Lang } from "./i18n.js";

export interface Person {
  nik: string;
  name: string;
}

export interface SignedIn {
  signed_in: true;
  role: "citizen" | "officer";
  nik: string;
  name: string;
  acting_for: Person | null;
  counter: { agency: string; name: string } | null;
  expires_at: string;
}

export type Session = { signed_in: false } | SignedIn;

/** Reads the session; anything but a well-formed answer counts as signed out. */
export async function fetchSession(): Promise<Session> {
  const response = await fetch("/auth/session", {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
    cache: "no-store",
  });
  if (!response.ok) return { signed_in: false };
  const body: unknown = await response.json();
  return parseSession(body);
}

/** Accepts the BFF's session document only when it has the fields the app relies on. */
export function parseSession(body: unknown): Session {
  if (typeof body !== "object" || body === null) return { signed_in: false };
  const b = body as Record<string, unknown>;
  if (b.signed_in !== true || typeof b.nik !== "string" || (b.role !== "citizen" && b.role !== "officer")) {
    return { signed_in: false };
  }
  const actingFor = b.acting_for as Record<string, unknown> | null | undefined;
  const counter = b.counter as Record<string, unknown> | null | undefined;
  return {
    signed_in: true,
    role: b.role,
    nik: b.nik,
    name: typeof b.name === "string" ? b.name : "",
    acting_for:
      actingFor && typeof actingFor.nik === "string"
        ? { nik: actingFor.nik, name: typeof actingFor.name === "string" ? actingFor.name : "" }
        : null,
    counter:
      counter && typeof counter.agency === "string"
        ? { agency: counter.agency, name: typeof counter.name === "string" ? counter.name : counter.agency }
        : null,
    expires_at: typeof b.expires_at === "string" ? b.expires_at : "",
  };
}

export interface LoginOptions {
  as: "citizen" | "officer";
  /** A same-origin path to come back to; the BFF refuses anything else. */
  returnTo: string;
  lang: Lang;
  /** Sign in again to act for this NIK (a child, or someone who granted a mandate). */
  actFor?: string;
}

/** The BFF's sign-in address for these options. */
export function loginUrl(options: LoginOptions): string {
  const query = new URLSearchParams({ as: options.as });
  if (options.actFor !== undefined) query.set("act_for", options.actFor);
  query.set("return_to", options.returnTo.startsWith("/") ? options.returnTo : "/");
  query.set("lang", options.lang);
  return `/auth/login?${query.toString()}`;
}

/** Goes to the sign-in again to act for `nik` (the PIN step-up the gateway requires). */
export function startActingFor(nik: string, returnTo: string, lang: Lang): void {
  window.location.assign(loginUrl({ as: "citizen", actFor: nik, returnTo, lang }));
}

async function postAuth(path: string): Promise<void> {
  const response = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-Requested-With": REQUESTED_WITH },
  });
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
}

/** Back to the citizen's own identity. */
export function stopActingFor(): Promise<void> {
  return postAuth("/auth/act-for/stop");
}

export function logout(): Promise<void> {
  return postAuth("/auth/logout");
}

interface SessionState {
  /** `undefined` while the first answer is pending. */
  session: Session | undefined;
  /** Reads the session again (after stop acting, logout, or a 401). */
  refresh: () => Promise<void>;
}

const SessionContext = createContext<SessionState>({ session: undefined, refresh: async () => undefined });

export function SessionProvider({ children }: { children: ComponentChildren }): JSX.Element {
  const [session, setSession] = useState<Session | undefined>(undefined);
  const refresh = useCallback(async () => {
    try {
      setSession(await fetchSession());
    } catch {
      setSession({ signed_in: false });
    }
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  const value = useMemo(() => ({ session, refresh }), [session, refresh]);
  return h(SessionContext.Provider, { value }, children);
}

export function useSession(): SessionState {
  return useContext(SessionContext);
}
