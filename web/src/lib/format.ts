/**
 * How amounts, dates and deadlines read to a citizen. Pure functions of their inputs (the
 * clock is a parameter), so the unit tests pin them. Dates are shown in Asia/Jakarta, where
 * every deadline of the service standard is counted, whatever the browser's own zone.
 */
import type { Schemas } from "./api.js";
import type { Standing } from "./calendar.js";
import type { Lang } from "./i18n.js";

export const ZONE = "Asia/Jakarta";

const LOCALE: Record<Lang, string> = { id: "id-ID", en: "en-GB" };

/** An address on one line, as on a KTP; it reads the same in both languages. */
export function addressLine(address: Schemas["Address"]): string {
  const { street, rt, rw, village, district, regency, province } = address;
  return `${street}, RT ${rt}/RW ${rw}, ${village.name}, ${district.name}, ${regency.name}, ${province.name}`;
}

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

const deadlineText: Record<Lang, { today: string; passed: string; left: (n: number) => string; late: (n: number) => string }> = {
  id: {
    today: "hari ini hari kerja terakhir",
    passed: "tenggat sudah lewat",
    left: (n) => `${n} hari kerja lagi`,
    late: (n) => `terlambat ${n} hari kerja`,
  },
  en: {
    today: "today is the last working day",
    passed: "past the deadline",
    left: (n) => `${n} working ${n === 1 ? "day" : "days"} left`,
    late: (n) => `${n} working ${n === 1 ? "day" : "days"} late`,
  },
};

/**
 * `Senin, 8 Desember 2025 (3 hari kerja lagi)`: the date and where today stands against it,
 * counted on the gateway's calendar (`lib/calendar.ts`); the date alone when no standing is
 * known yet, since a count without the holidays could be wrong.
 */
export function formatDeadline(deadline: string, lang: Lang, standing: Standing | undefined): string {
  const date = formatDate(deadline, lang, { weekday: true });
  if (standing === undefined) return date;
  const words = deadlineText[lang];
  const relative =
    standing.kind === "left"
      ? words.left(standing.days)
      : standing.kind === "lastDay"
        ? words.today
        : standing.days === 0
          ? words.passed
          : words.late(standing.days);
  return `${date} (${relative})`;
}

/**
 * Statuses after which a request no longer changes by itself: its deadline no longer runs,
 * and a page following it stops polling.
 */
export function requestSettled(status: Schemas["RequestStatus"]): boolean {
  return status === "completed" || status === "rejected" || status === "failed" || status === "cancelled";
}

/** A NIK with its middle masked, as the gateway shows other people's: `3374********0001`. */
export function maskNik(nik: string): string {
  return nik.length === 16 ? `${nik.slice(0, 4)}********${nik.slice(12)}` : nik;
}
