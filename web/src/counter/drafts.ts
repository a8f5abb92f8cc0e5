/**
 * One `Idempotency-Key` per request the officer means to make. A double click, a retry after
 * a dropped connection, or pressing submit again after an error, all with the same form, send
 * the same key, so the gateway files the request once and answers the repeats with the first
 * answer. Changing anything in the form makes it another request with a key of its own; a
 * request that was filed is forgotten, so the next one is new.
 */

/** JSON with object keys sorted, so two equal bodies compare equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries);
  });
}

export class SubmissionKeys {
  private body: string | undefined;
  private key: string | undefined;

  constructor(private readonly fresh: () => string) {}

  /** The key for this body: the one already used for an equal body, else a new one. */
  keyFor(body: unknown): string {
    const canonical = canonicalJson(body);
    if (this.key === undefined || canonical !== this.body) {
      this.body = canonical;
      this.key = this.fresh();
    }
    return this.key;
  }

  /** The request was filed: the next submission, even of an equal form, is a new request. */
  settled(): void {
    this.body = undefined;
    this.key = undefined;
  }
}
