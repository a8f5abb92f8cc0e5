/**
 * How the console writes dates, money and deadlines. Dates the API gives as calendar days
 * (`2026-11-27`: a deadline, a due date) are shown as that day wherever the browser is; times
 * (`submitted_at`) are shown in Asia/Jakarta, where the gateway counts working days.
 */
import type { Lang } from "../lib/i18n.js";
import type { Schemas } from "../lib/api.js";
import type { CounterKey } from "./strings.js";

const JAKARTA = "Asia/Jakarta";

function locale(lang: Lang): string {
  return lang === "id" ? "id-ID" : "en-GB";
}

function calendarDay(isoDate: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (match === null) return undefined;
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
}

/** "Jumat, 27 November 2026" / "Friday, 27 November 2026"; the input as it is if not a date. */
export function formatDate(isoDate: string, lang: Lang): string {
  const day = calendarDay(isoDate);
  if (day === undefined) return isoDate;
  return new Intl.DateTimeFormat(locale(lang), {
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  }).format(day);
}

/** "27 Nov 2026 14.05" in Jakarta time. */
export function formatDateTime(iso: string, lang: Lang): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(lang), {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: JAKARTA,
  }).format(at);
}

/** Whole rupiah as Indonesians write it: "Rp 3.450.000" (in both languages). */
export function formatRupiah(amount: number): string {
  return `Rp ${new Intl.NumberFormat("id-ID", { maximumFractionDigits: 0 }).format(amount)}`;
}

/** Today's date in Jakarta, `YYYY-MM-DD`, the day the gateway's deadlines are counted against. */
export function jakartaToday(now: Date): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: JAKARTA, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

export type RequestStatus = Schemas["RequestStatus"];

const FINISHED: ReadonlySet<RequestStatus> = new Set(["completed", "rejected", "failed", "cancelled"]);

export type DeadlineState = "done" | "late" | "today" | "open";

/**
 * Where a request stands against its last working day: finished requests are done whatever
 * the date; an open one is late from the day after its deadline (Jakarta), as the gateway
 * counts it.
 */
export function deadlineState(slaDeadline: string, status: RequestStatus, today: string): DeadlineState {
  if (FINISHED.has(status)) return "done";
  if (today > slaDeadline) return "late";
  if (today === slaDeadline) return "today";
  return "open";
}

const STATUS_KEYS: Readonly<Record<RequestStatus, CounterKey>> = {
  submitted: "statusSubmitted",
  in_progress: "statusInProgress",
  awaiting_payment: "statusAwaitingPayment",
  awaiting_agency: "statusAwaitingAgency",
  completed: "statusCompleted",
  rejected: "statusRejected",
  failed: "statusFailed",
  cancelled: "statusCancelled",
};

export function statusKey(status: RequestStatus): CounterKey {
  return STATUS_KEYS[status];
}

export type ComplaintStatus = Schemas["ComplaintStatus"];

const STAGE_KEYS: Readonly<Record<ComplaintStatus, CounterKey>> = {
  verified: "stageVerified",
  dispatched: "stageDispatched",
  resolved: "stageResolved",
};

export function stageKey(status: ComplaintStatus): CounterKey {
  return STAGE_KEYS[status];
}
