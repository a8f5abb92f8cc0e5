import assert from "node:assert/strict";
import { test } from "node:test";
import { deadlineState, formatDate, formatRupiah, jakartaToday } from "../src/counter/format.js";

test("a deadline is written as its day, in the officer's language, wherever the browser is", () => {
  assert.equal(formatDate("2026-11-27", "id"), "Jumat, 27 November 2026");
  assert.match(formatDate("2026-11-27", "en"), /^Friday,? 27 November 2026$/);
  assert.equal(formatDate("not a date", "id"), "not a date");
});

test("today is Jakarta's today, which starts seven hours before UTC's", () => {
  assert.equal(jakartaToday(new Date("2026-11-26T16:59:00Z")), "2026-11-26");
  assert.equal(jakartaToday(new Date("2026-11-26T17:00:00Z")), "2026-11-27");
});

test("an open request is late from the day after its last working day; a finished one never", () => {
  assert.equal(deadlineState("2026-11-27", "awaiting_payment", "2026-11-26"), "open");
  assert.equal(deadlineState("2026-11-27", "awaiting_payment", "2026-11-27"), "today");
  assert.equal(deadlineState("2026-11-27", "in_progress", "2026-11-28"), "late");
  assert.equal(deadlineState("2026-11-27", "completed", "2026-12-20"), "done");
  assert.equal(deadlineState("2026-11-27", "cancelled", "2026-12-20"), "done");
});

test("rupiah are whole, with dots between thousands", () => {
  assert.equal(formatRupiah(3450000), "Rp 3.450.000");
  assert.equal(formatRupiah(0), "Rp 0");
});
