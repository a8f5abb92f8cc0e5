import assert from "node:assert/strict";
import { test } from "node:test";
import { deadlineState, stageKey, statusKey } from "../src/counter/format.js";
import { translator } from "../src/lib/i18n.js";
import { counterStrings } from "../src/counter/strings.js";

test("an open request is late from the day after its last working day; a finished one never", () => {
  assert.equal(deadlineState("2026-11-27", "awaiting_payment", "2026-11-26"), "open");
  assert.equal(deadlineState("2026-11-27", "awaiting_payment", "2026-11-27"), "today");
  assert.equal(deadlineState("2026-11-27", "in_progress", "2026-11-28"), "late");
  assert.equal(deadlineState("2026-11-27", "completed", "2026-12-20"), "done");
  assert.equal(deadlineState("2026-11-27", "cancelled", "2026-12-20"), "done");
});

test("a request's status and a complaint's stage read in the officer's language", () => {
  const id = translator(counterStrings, "id");
  const en = translator(counterStrings, "en");
  assert.equal(id(statusKey("awaiting_payment")), "Menunggu pembayaran");
  assert.equal(en(statusKey("completed")), "Completed");
  assert.equal(id(stageKey("resolved")), "Sudah dijawab");
  assert.equal(en(stageKey("resolved")), "Answered");
});
