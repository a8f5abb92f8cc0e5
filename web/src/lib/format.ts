/**
 * How amounts, dates and deadlines read to a citizen. Pure functions of their inputs (the
 * clock is a parameter), so the unit tests pin them. Dates are shown in Asia/Jakarta, where
 * every deadline of the service standard is counted, whatever the browser's own zone.
 */
import type { Lang } from "./i18n.js";

export const ZONE = "Asia/Jakarta";

const LOCALE: Record<Lang, string> = { id: "id-ID", en: "en-GB" };

/** Whole rupiah as Indonesians write it: `Rp 3.450.000` (English: `Rp 3,450,000`). */
export function formatRupiah(amount: number, lang: Lang): string {
  const digits = new Intl.NumberFormat(LOCALE[lang], { maximumFractionDigits: 0 }).format(Math.round(amount));
  return `Rp ${digits}`;
}

/** A calendar date (`YYYY-MM-DD`, no zone): `Senin, 8 Desember 2025`. */
export function formatDate(isoDate: string, lang: Lang, options: { weekday?: boolean } = {}): string {
  const date = parseCalendarDate(isoDate);
  if (date === null) return isoDate;
  return new Intl.DateTimeFormat(LOCALE[lang], {
    timeZone: "UTC",
    day: "numeric",
    month: "long",
    year: "numeric",
    ...(options.weekday === true ? { weekday: "long" } : {}),
  }).format(date);
}

/** An instant, in Jakarta time with the zone named: `8 Desember 2025 14.05 WIB`. */
export function formatDateTime(isoInstant: string, lang: Lang): string {
  const date = new Date(isoInstant);
  if (Number.isNaN(date.getTime())) return isoInstant;
  const text = new Intl.DateTimeFormat(LOCALE[lang], {
    timeZone: ZONE,
    day: "numeric",
    month: "long",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(date);
  return `${text} WIB`;
}

/** `YYYY-MM-DD` as midnight UTC of that day, or null when it is not a real date. */
export function parseCalendarDate(isoDate: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate.slice(0, 10));
  if (match === null) return null;
  const [, y, m, d] = match;
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return date.getUTCDate() === Number(d) && date.getUTCMonth() === Number(m) - 1 ? date : null;
}

/** Today's calendar date in Jakarta (`YYYY-MM-DD`) at instant `now`. */
export function jakartaToday(now: Date): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
  return parts;
}

function isWeekend(date: Date): boolean {
  const day = date.getUTCDay();
  return day === 0 || day === 6;
}

/**
 * Working days from `today` (exclusive) to `deadline` (inclusive): Monday to Friday, without
 * the given public holidays. The gateway knows the holiday calendar and this page does not,
 * so callers pass what they know; with none, a holiday in between is counted as a working day.
 * Negative when the deadline has passed (how many working days ago).
 */
export function workingDaysUntil(today: string, deadline: string, holidays: ReadonlySet<string> = new Set()): number {
  const from = parseCalendarDate(today);
  const to = parseCalendarDate(deadline);
  if (from === null || to === null) return 0;
  return to >= from ? countWorkingDays(from, to, holidays) : -countWorkingDays(to, from, holidays);
}

/** Working days d with after < d <= upTo. */
function countWorkingDays(after: Date, upTo: Date, holidays: ReadonlySet<string>): number {
  let count = 0;
  const cursor = new Date(after);
  while (cursor < upTo) {
    cursor.setUTCDate(cursor.getUTCDate() + 1);
    if (!isWeekend(cursor) && !holidays.has(cursor.toISOString().slice(0, 10))) count += 1;
  }
  return count;
}

const deadlineText: Record<Lang, { today: string; left: (n: number) => string; late: (n: number) => string }> = {
  id: {
    today: "hari ini hari kerja terakhir",
    left: (n) => `${n} hari kerja lagi`,
    late: (n) => `terlambat ${n} hari kerja`,
  },
  en: {
    today: "today is the last working day",
    left: (n) => `${n} working ${n === 1 ? "day" : "days"} left`,
    late: (n) => `${n} working ${n === 1 ? "day" : "days"} late`,
  },
};

/** `Senin, 8 Desember 2025 (3 hari kerja lagi)`: the date and where today stands against it. */
export function formatDeadline(deadline: string, now: Date, lang: Lang): string {
  const days = workingDaysUntil(jakartaToday(now), deadline);
  const words = deadlineText[lang];
  const relative = days > 0 ? words.left(days) : days === 0 ? words.today : words.late(-days);
  return `${formatDate(deadline, lang, { weekday: true })} (${relative})`;
}

/** A NIK with its middle masked, as the gateway shows other people's: `3374********0001`. */
export function maskNik(nik: string): string {
  return nik.length === 16 ? `${nik.slice(0, 4)}********${nik.slice(12)}` : nik;
}
