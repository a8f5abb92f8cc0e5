/**
 * The browser's one way to the gateway: openapi-fetch typed by the committed OpenAPI document,
 * through the BFF's `/api` proxy (which adds the session's bearer token; the browser never sees
 * one). Every call says it comes from this app (`X-Requested-With`, the BFF's CSRF check) and
 * which language the citizen reads, so the gateway's problems arrive translated.
 */
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "../../../clients/typescript/src/schema.js";
import { acceptLanguage, currentLang, defineStrings, translator, type Lang } from "./i18n.js";

export type { components, paths };
export type Schemas = components["schemas"];

/** The value the BFF requires on every state-changing call. */
export const REQUESTED_WITH = "satupintu-web";

const appHeaders: Middleware = {
  onRequest({ request }) {
    request.headers.set("X-Requested-With", REQUESTED_WITH);
    request.headers.set("Accept-Language", acceptLanguage(currentLang()));
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: "/api", credentials: "same-origin" });
api.use(appHeaders);

/** The common fields of an RFC 9457 problem, whichever operation answered it. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: ReadonlyArray<{ field?: string; message?: string }>;
  sources?: Readonly<Record<string, { status?: string }>>;
}

/** A refused or failed call: what the user should read, and what code may switch on. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly problem: Problem | undefined,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** The problem type's last path segment (`agency-unavailable`), or "" when there is none. */
  get kind(): string {
    return problemKind(this.problem);
  }
}

export function problemKind(problem: Problem | undefined): string {
  const type = problem?.type;
  if (type === undefined || type === "" || type === "about:blank") return "";
  return type.slice(type.lastIndexOf("/") + 1);
}

const problemStrings = defineStrings(
  {
    notSignedIn: "Sesi Anda telah berakhir. Silakan masuk lagi.",
    forbidden: "Anda tidak berhak melakukan ini.",
    notFound: "Data yang dicari tidak ditemukan.",
    tooMany: "Terlalu banyak permintaan. Coba lagi sebentar lagi.",
    unavailable: "Layanan sedang tidak dapat dihubungi. Coba lagi beberapa saat lagi.",
    network: "Tidak dapat terhubung. Periksa koneksi internet Anda lalu coba lagi.",
    generic: "Terjadi kesalahan. Coba lagi beberapa saat lagi.",
  },
  {
    notSignedIn: "Your session has ended. Please sign in again.",
    forbidden: "You are not allowed to do this.",
    notFound: "What you asked for was not found.",
    tooMany: "Too many requests. Please try again in a moment.",
    unavailable: "The service cannot be reached right now. Please try again shortly.",
    network: "Cannot connect. Check your internet connection and try again.",
    generic: "Something went wrong. Please try again shortly.",
  },
);

function isProblem(value: unknown): value is Problem {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * What a person should read for a problem: the gateway's own `detail` (already in their
 * language), followed by each field's message, or a plain sentence for the status when the
 * problem says nothing readable. The BFF's "not signed in" is always our own sentence.
 */
export function problemMessage(problem: unknown, status: number, lang: Lang): string {
  const t = translator(problemStrings, lang);
  const p = isProblem(problem) ? problem : undefined;
  if (problemKind(p) === "not-signed-in" || (status === 401 && p?.detail === undefined)) return t("notSignedIn");
  const fieldMessages = (p?.errors ?? [])
    .map((e) => e.message?.trim())
    .filter((m): m is string => m !== undefined && m !== "");
  const main = p?.detail?.trim() || p?.title?.trim() || fallbackMessage(status, lang);
  return [main, ...fieldMessages.filter((m) => m !== main)].join(" ");
}

/** A sentence for a bare HTTP status (0 when the network failed). */
export function fallbackMessage(status: number, lang: Lang): string {
  const t = translator(problemStrings, lang);
  if (status === 0) return t("network");
  if (status === 401) return t("notSignedIn");
  if (status === 403) return t("forbidden");
  if (status === 404) return t("notFound");
  if (status === 429) return t("tooMany");
  if (status === 502 || status === 503 || status === 504) return t("unavailable");
  return t("generic");
}

/** The result shape every openapi-fetch call returns. */
type FetchResult<T> = { data?: T; error?: unknown; response: Response };

/**
 * The data of a successful call, or an `ApiError` carrying the problem and its message in the
 * current language; so a page writes `const x = await call(api.GET(...))` and one catch.
 */
export async function call<T>(pending: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>;
  try {
    result = await pending;
  } catch {
    throw new ApiError(fallbackMessage(0, currentLang()), 0, undefined);
  }
  const { data, error, response } = result;
  if (response.ok && error === undefined) return data as T;
  const problem = isProblem(error) ? error : undefined;
  throw new ApiError(problemMessage(problem, response.status, currentLang()), response.status, problem);
}

/** The message to show for anything a call threw. */
export function errorMessage(err: unknown, lang: Lang): string {
  if (err instanceof ApiError) return err.message;
  return fallbackMessage(0, lang);
}

/** A fresh key for a write the user may retry (the gateway's `Idempotency-Key`). */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}
