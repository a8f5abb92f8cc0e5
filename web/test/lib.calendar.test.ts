import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  calendarCache,
  deadlineStanding,
  mergeCalendars,
  yearsBetween,
  type WorkingCalendar,
} from "../src/lib/calendar.js";

type DayOff = WorkingCalendar["days_off"][number];

const holiday = (date: string, name: string): DayOff => ({ date, name_id: name, name_en: name, kind: "public_holiday" });
const leave = (date: string, name: string): DayOff => ({ date, name_id: name, name_en: name, kind: "collective_leave" });

/** 2026's days off as the gateway lists them (SKB 3 Menteri on cuti bersama 2026). */
const Y2026: WorkingCalendar = {
  year: 2026,
  timezone: "Asia/Jakarta",
  weekend: ["saturday", "sunday"],
  days_off: [
    holiday("2026-01-01", "Tahun Baru Masehi"),
    holiday("2026-01-16", "Isra Mikraj"),
    leave("2026-02-16", "Cuti Bersama Tahun Baru Imlek"),
    holiday("2026-02-17", "Tahun Baru Imlek"),
    leave("2026-03-18", "Cuti Bersama Hari Suci Nyepi"),
    holiday("2026-03-19", "Hari Suci Nyepi"),
    leave("2026-03-20", "Cuti Bersama Hari Raya Idul Fitri"),
    holiday("2026-03-21", "Hari Raya Idul Fitri"),
    holiday("2026-03-22", "Hari kedua Hari Raya Idul Fitri"),
    leave("2026-03-23", "Cuti Bersama Hari Raya Idul Fitri"),
    leave("2026-03-24", "Cuti Bersama Hari Raya Idul Fitri"),
    holiday("2026-04-03", "Wafat Yesus Kristus"),
    holiday("2026-05-01", "Hari Buruh Internasional"),
    holiday("2026-05-14", "Kenaikan Yesus Kristus"),
    leave("2026-05-15", "Cuti Bersama Kenaikan Yesus Kristus"),
    holiday("2026-05-27", "Hari Raya Idul Adha"),
    leave("2026-05-28", "Cuti Bersama Idul Adha"),
    holiday("2026-06-01", "Hari Lahir Pancasila"),
    holiday("2026-06-16", "Tahun Baru Islam"),
    holiday("2026-08-17", "Hari Kemerdekaan"),
    holiday("2026-08-25", "Maulid Nabi Muhammad"),
    leave("2026-12-24", "Cuti Bersama Hari Raya Natal"),
    holiday("2026-12-25", "Hari Raya Natal"),
  ],
};

const Y2027: WorkingCalendar = {
  year: 2027,
  timezone: "Asia/Jakarta",
  weekend: ["saturday", "sunday"],
  days_off: [holiday("2027-01-01", "Tahun Baru Masehi"), holiday("2027-01-05", "Isra Mikraj")],
};

const CAL_2026 = mergeCalendars([Y2026]);
const CAL_BOTH = mergeCalendars([Y2026, Y2027]);

describe("working days on the gateway's calendar", () => {
  it("skips Nyepi, Idul Fitri and their collective leave, not only the weekend", () => {
    // Tue 17 March to Wed 25 March 2026: 18-24 March are all off, so only the 25th counts.
    assert.deepEqual(deadlineStanding("2026-03-17", "2026-03-25", CAL_2026), { kind: "left", days: 1 });
    // Fri 13 March to Fri 27 March: 16, 17, 25, 26, 27.
    assert.deepEqual(deadlineStanding("2026-03-13", "2026-03-27", CAL_2026), { kind: "left", days: 5 });
  });

  it("counts an ordinary week as five working days", () => {
    assert.deepEqual(deadlineStanding("2026-12-07", "2026-12-14", CAL_2026), { kind: "left", days: 5 });
  });

  it("counts up to a deadline that falls on a holiday or a weekend", () => {
    // Mon 16 March to Nyepi (Thu 19th): only Tuesday the 17th is worked, the 18th is leave.
    assert.deepEqual(deadlineStanding("2026-03-16", "2026-03-19", CAL_2026), { kind: "left", days: 1 });
    // Thu 3 December to Sun 6 December: Friday the 4th.
    assert.deepEqual(deadlineStanding("2026-12-03", "2026-12-06", CAL_2026), { kind: "left", days: 1 });
    // Tue 17 March to Sun 22 March: nothing after today is worked, so today is the last day.
    assert.deepEqual(deadlineStanding("2026-03-17", "2026-03-22", CAL_2026), { kind: "lastDay" });
  });

  it("on the deadline itself, today is the last working day", () => {
    assert.deepEqual(deadlineStanding("2026-03-25", "2026-03-25", CAL_2026), { kind: "lastDay" });
  });

  it("counts how many working days late, skipping the days off after the deadline", () => {
    // Deadline Tue 17 March, today Thu 26 March: the 25th and the 26th were lost.
    assert.deepEqual(deadlineStanding("2026-03-26", "2026-03-17", CAL_2026), { kind: "late", days: 2 });
    // Deadline Fri 13 March, today Mon 16 March: one working day late.
    assert.deepEqual(deadlineStanding("2026-03-16", "2026-03-13", CAL_2026), { kind: "late", days: 1 });
    // Deadline Fri 13 March, today Saturday: late (the gateway's overdue) by no working day yet.
    assert.deepEqual(deadlineStanding("2026-03-14", "2026-03-13", CAL_2026), { kind: "late", days: 0 });
  });

  it("counts across New Year with both years' calendars, and not at all with one missing", () => {
    // Wed 23 December 2026 to Mon 4 January 2027: 28-31 December and 4 January
    // (24th leave, 25th Christmas, 1 January New Year, and two weekends).
    assert.deepEqual(deadlineStanding("2026-12-23", "2027-01-04", CAL_BOTH), { kind: "left", days: 5 });
    assert.equal(deadlineStanding("2026-12-23", "2027-01-04", CAL_2026), undefined);
    assert.equal(deadlineStanding("2027-01-06", "2026-12-31", CAL_2026), undefined);
  });

  it("does not count malformed dates", () => {
    assert.equal(deadlineStanding("2026-02-30", "2026-03-02", CAL_2026), undefined);
  });

  it("needs every year between today and the deadline, in either order", () => {
    assert.deepEqual(yearsBetween("2026-12-07", "2026-12-20"), [2026]);
    assert.deepEqual(yearsBetween("2026-12-07", "2028-01-02"), [2026, 2027, 2028]);
    assert.deepEqual(yearsBetween("2027-01-04", "2026-12-30"), [2026, 2027]);
  });
});

describe("the calendar cache", () => {
  function fetcher(fail: ReadonlySet<number> = new Set()) {
    const asked: number[] = [];
    const byYear = new Map([
      [2026, Y2026],
      [2027, Y2027],
    ]);
    const fetchYear = async (year: number): Promise<WorkingCalendar> => {
      asked.push(year);
      const calendar = byYear.get(year);
      if (calendar === undefined || fail.has(year)) throw new Error(`no calendar for ${year}`);
      return calendar;
    };
    return { asked, fetchYear };
  }

  it("fetches each year once, however many deadlines ask at the same time", async () => {
    const { asked, fetchYear } = fetcher();
    const cache = calendarCache(fetchYear);
    assert.equal(cache.cached([2026]), undefined);
    const [a, b] = await Promise.all([cache.load([2026]), cache.load([2026, 2027])]);
    assert.deepEqual(asked.sort(), [2026, 2027]);
    assert.ok(a.daysOff.has("2026-03-19"));
    assert.ok(b.daysOff.has("2027-01-01"));
    await cache.load([2026, 2027]);
    assert.equal(asked.length, 2);
    assert.deepEqual(deadlineStanding("2026-12-23", "2027-01-04", cache.cached([2026, 2027])!), { kind: "left", days: 5 });
  });

  it("forgets a failed year, so a later page asks again", async () => {
    const failing = new Set([2027]);
    const { asked, fetchYear } = fetcher(failing);
    const cache = calendarCache(fetchYear);
    await assert.rejects(cache.load([2026, 2027]));
    assert.equal(cache.cached([2026, 2027]), undefined);
    failing.delete(2027);
    const calendar = await cache.load([2026, 2027]);
    assert.ok(calendar.years.has(2027));
    assert.deepEqual(asked.sort(), [2026, 2027, 2027]);
  });
});
