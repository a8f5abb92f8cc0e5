/**
 * Sessions and sign-ins in progress, in this process's memory: a restart signs everyone out,
 * which for a portal whose tokens last minutes costs a sign-in and keeps every token out of
 * any store. Both maps are bounded, so a flood of sign-in attempts cannot exhaust memory.
 */
import { randomBytes } from "node:crypto";

export type Role = "citizen" | "officer";

/** An access token of the gateway and when it stops working (epoch ms). */
export interface Grant {
  readonly accessToken: string;
  readonly expiresAt: number;
}

export interface ActingFor {
  readonly nik: string;
  readonly name: string;
  readonly grant: Grant;
}

export interface Session {
  readonly id: string;
  readonly role: Role;
  readonly nik: string;
  readonly name: string;
  /** The citizen's own token; officers use the counter's shared token instead. */
  readonly own: Grant | null;
  actingFor: ActingFor | null;
  readonly expiresAt: number;
}

/** A sign-in sent to the identity provider and not yet back, by its `state`. */
export interface PendingLogin {
  readonly role: Role;
  readonly codeVerifier: string;
  readonly nonce: string;
  readonly returnTo: string;
  readonly lang: "id" | "en";
  /** The NIK to act for once the citizen signed in again (a PIN step-up). */
  readonly actFor: string | null;
  readonly expiresAt: number;
}

/** 32 random bytes, base64url: unguessable, and safe in a cookie. */
export function newId(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * A Map whose entries expire and whose size is capped (the oldest entry goes first: a Map
 * iterates in insertion order).
 */
export class ExpiringMap<V extends { readonly expiresAt: number }> {
  readonly #entries = new Map<string, V>();

  constructor(
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    if (value.expiresAt <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return value;
  }

  /** The entry, removed: a sign-in's state is good for one callback. */
  take(key: string): V | undefined {
    const value = this.get(key);
    this.#entries.delete(key);
    return value;
  }

  set(key: string, value: V): void {
    this.#entries.delete(key);
    while (this.#entries.size >= this.capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, value);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Drops every expired entry; run now and then so abandoned ones do not linger. */
  sweep(): void {
    const now = this.now();
    for (const [key, value] of this.#entries) {
      if (value.expiresAt <= now) this.#entries.delete(key);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** The session as `GET /auth/session` shows it: who, in which role, never a token. */
export function describeSession(
  session: Session | undefined,
  counter: { readonly agency: string; readonly name: string },
): Record<string, unknown> {
  if (session === undefined) return { signed_in: false };
  return {
    signed_in: true,
    role: session.role,
    nik: session.nik,
    name: session.name,
    acting_for:
      session.actingFor === null
        ? null
        : { nik: session.actingFor.nik, name: session.actingFor.name },
    counter: session.role === "officer" ? { agency: counter.agency, name: counter.name } : null,
    expires_at: new Date(session.expiresAt).toISOString(),
  };
}
