/**
 * Working days as the gateway counts them. Every deadline it sets skips weekends, national
 * public holidays and collective leave (cuti bersama), which change every year by decree, so
 * the page asks the gateway for each year's calendar instead of guessing: a count that skips
 * weekends only would promise a citizen working days that Lebaran takes away. Calendars are
 * kept in memory per year (they change only by decree); while one is missing, nothing is
 * counted and callers show the date alone.
 */
import { useEffect, useState } from "preact/hooks";
import { api, call, type Schemas } from "./api.js";
import { jakartaToday, parseCalendarDate } from "./format.js";

export type WorkingCalendar = Schemas["WorkingCalendar"];

/** `Date.getUTCDay()` of each weekend day the gateway may name. */
const WEEKDAY: Readonly<Record<WorkingCalendar["weekend"][number], number>> = { saturday: 6, sunday: 0 };

/** One or more years' calendars merged: which years they cover, and which days are off. */
export interface Calendar {
  years: ReadonlySet<number>;
  weekend: ReadonlySet<number>;
  daysOff: ReadonlySet<string>;
}

export function mergeCalendars(calendars: readonly WorkingCalendar[]): Calendar {
  return {
    years: new Set(calendars.map((c) => c.year)),
    weekend: new Set(calendars.flatMap((c) => c.weekend.map((day) => WEEKDAY[day]))),
    daysOff: new Set(calendars.flatMap((c) => c.days_off.map((off) => off.date))),
  };
}

/** Every year from the earlier date's to the later one's: the calendars a count needs. */
export function yearsBetween(a: string, b: string): number[] {
  const first = Number(a.slice(0, 4));
  const last = Number(b.slice(0, 4));
  const from = Math.min(first, last);
  const years: number[] = [];
  for (let year = from; year <= Math.max(first, last); year += 1) years.push(year);
  return years;
}

/**
 * Where today stands against a deadline (both `YYYY-MM-DD` in Jakarta):
 * - `left`: `days` working days come after today up to and including the deadline;
 * - `lastDay`: none do, so today is the last chance (the deadline is today, or only days off
 *   lie between today and it);
 * - `late`: the deadline has passed (the gateway's `overdue`), by the `days` working days
 *   after it up to and including today (0 on a weekend right after it).
 */
export type Standing = { kind: "left"; days: number } | { kind: "lastDay" } | { kind: "late"; days: number };

/** The standing, or undefined when a date is malformed or the calendar lacks a year it spans. */
export function deadlineStanding(today: string, deadline: string, calendar: Calendar): Standing | undefined {
  const from = parseCalendarDate(today);
  const to = parseCalendarDate(deadline);
  if (from === null || to === null) return undefined;
  if (!yearsBetween(today, deadline).every((year) => calendar.years.has(year))) return undefined;
  if (from > to) return { kind: "late", days: workingDaysAfter(to, from, calendar) };
  const days = workingDaysAfter(from, to, calendar);
  return days === 0 ? { kind: "lastDay" } : { kind: "left", days };
}

/** Working days d with after < d <= upTo. */
function workingDaysAfter(after: Date, upTo: Date, calendar: Calendar): number {
  let count = 0;
  const cursor = new Date(after);
  while (cursor < upTo) {
    cursor.setUTCDate(cursor.getUTCDate() + 1);
    if (!calendar.weekend.has(cursor.getUTCDay()) && !calendar.daysOff.has(cursor.toISOString().slice(0, 10))) count += 1;
  }
  return count;
}

export interface CalendarCache {
  /** The years' merged calendar if every one is already here, else undefined. */
  cached(years: readonly number[]): Calendar | undefined;
  /** Fetches the years not here yet (each once, however many ask at the same time). */
  load(years: readonly number[]): Promise<Calendar>;
}

/**
 * A per-year memory of calendars over `fetchYear`. A failed fetch is forgotten, so the next
 * page that needs the year asks again rather than never counting.
 */
export function calendarCache(fetchYear: (year: number) => Promise<WorkingCalendar>): CalendarCache {
  const ready = new Map<number, WorkingCalendar>();
  const pending = new Map<number, Promise<WorkingCalendar>>();

  const year = (y: number): Promise<WorkingCalendar> => {
    const have = ready.get(y);
    if (have !== undefined) return Promise.resolve(have);
    let asked = pending.get(y);
    if (asked === undefined) {
      asked = fetchYear(y).then((calendar) => {
        ready.set(y, calendar);
        return calendar;
      });
      pending.set(y, asked);
      const forget = () => pending.delete(y);
      asked.then(forget, forget);
    }
    return asked;
  };

  return {
    cached(years) {
      const calendars = years.map((y) => ready.get(y));
      return calendars.every((c): c is WorkingCalendar => c !== undefined) ? mergeCalendars(calendars) : undefined;
    },
    async load(years) {
      return mergeCalendars(await Promise.all(years.map(year)));
    },
  };
}

/** The page's calendars, from the gateway's public reference. */
export const workingCalendars = calendarCache((year) =>
  call(api.GET("/v1/reference/working-calendar/{year}", { params: { path: { year } } })),
);

/**
 * Today's standing against `deadline`, counted on the gateway's calendar; undefined while the
 * calendar loads or when it cannot be had, so the caller shows the date without a count.
 */
export function useDeadlineStanding(deadline: string): Standing | undefined {
  const today = jakartaToday(new Date());
  const years = yearsBetween(today, deadline);
  const key = `${today}/${deadline}`;
  const known = workingCalendars.cached(years);
  const [loaded, setLoaded] = useState<{ key: string; standing: Standing | undefined } | undefined>(undefined);

  useEffect(() => {
    if (known !== undefined) return;
    let current = true;
    workingCalendars.load(years).then(
      (calendar) => {
        if (current) setLoaded({ key, standing: deadlineStanding(today, deadline, calendar) });
      },
      () => {
        if (current) setLoaded({ key, standing: undefined });
      },
    );
    return () => {
      current = false;
    };
  }, [key, known === undefined]);

  if (known !== undefined) return deadlineStanding(today, deadline, known);
  return loaded?.key === key ? loaded.standing : undefined;
}
