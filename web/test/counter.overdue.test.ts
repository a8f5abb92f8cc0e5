import assert from "node:assert/strict";
import { test } from "node:test";
import { scanOverdue, START, type OpenStage, type Page } from "../src/counter/overdue.js";

interface Item {
  id: string;
  overdue: boolean;
}

/** A fake API: pages per stage, keyed by cursor ("" is the first page), recording each read. */
function api(pages: Record<OpenStage, Record<string, Page<Item>>>) {
  const reads: string[] = [];
  const fetchPage = async (stage: OpenStage, cursor: string | null) => {
    reads.push(`${stage}:${cursor ?? ""}`);
    const page = pages[stage][cursor ?? ""];
    if (page === undefined) throw new Error(`no page ${stage}:${cursor}`);
    return page;
  };
  return { reads, fetchPage };
}

const item = (id: string, overdue: boolean): Item => ({ id, overdue });

test("reads both open stages and keeps only the overdue complaints", async () => {
  const { reads, fetchPage } = api({
    verified: { "": { items: [item("v1", true), item("v2", false)], next_cursor: "c1" }, c1: { items: [item("v3", true)], next_cursor: null } },
    dispatched: { "": { items: [item("d1", false), item("d2", true)], next_cursor: null } },
  });
  const result = await scanOverdue(fetchPage, START, 10, 5);
  assert.deepEqual(result.found.map((c) => c.id), ["v1", "v3", "d2"]);
  assert.equal(result.next, null);
  assert.deepEqual(reads, ["verified:", "verified:c1", "dispatched:"]);
});

test("stops once enough are found and goes on from there on the next call", async () => {
  const { reads, fetchPage } = api({
    verified: { "": { items: [item("v1", true), item("v2", true)], next_cursor: "c1" }, c1: { items: [item("v3", true)], next_cursor: null } },
    dispatched: { "": { items: [item("d1", true)], next_cursor: null } },
  });
  const first = await scanOverdue(fetchPage, START, 2, 5);
  assert.deepEqual(first.found.map((c) => c.id), ["v1", "v2"]);
  assert.deepEqual(first.next, { stage: 0, cursor: "c1" });
  const second = await scanOverdue(fetchPage, first.next, 2, 5);
  assert.deepEqual(second.found.map((c) => c.id), ["v3", "d1"]);
  assert.equal(second.next, null);
  assert.deepEqual(reads, ["verified:", "verified:c1", "dispatched:"]);
});

test("a long run of timely complaints does not hold the screen: at most maxPages reads", async () => {
  const verified: Record<string, Page<Item>> = {};
  for (let i = 0; i < 10; i += 1) verified[i === 0 ? "" : `c${i}`] = { items: [item(`v${i}`, false)], next_cursor: `c${i + 1}` };
  const { reads, fetchPage } = api({ verified, dispatched: { "": { items: [], next_cursor: null } } });
  const result = await scanOverdue(fetchPage, START, 10, 3);
  assert.deepEqual(result.found, []);
  assert.equal(result.pagesRead, 3);
  assert.deepEqual(result.next, { stage: 0, cursor: "c3" });
  assert.equal(reads.length, 3);
});

test("an exhausted first stage moves on to the second", async () => {
  const { fetchPage } = api({
    verified: { "": { items: [], next_cursor: null } },
    dispatched: { "": { items: [item("d1", true)], next_cursor: "x" }, x: { items: [], next_cursor: null } },
  });
  const result = await scanOverdue(fetchPage, START, 1, 5);
  assert.deepEqual(result.found.map((c) => c.id), ["d1"]);
  assert.deepEqual(result.next, { stage: 1, cursor: "x" });
});
