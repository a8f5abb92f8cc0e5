import assert from "node:assert/strict";
import { test } from "node:test";
import { canonicalJson, SubmissionKeys } from "../src/counter/drafts.js";

function counter(): () => string {
  let n = 0;
  return () => `key-${(n += 1)}`;
}

test("the same request submitted twice (a double click, a retry) carries the same key", () => {
  const keys = new SubmissionKeys(counter());
  const body = { service: "vehicle-tax-renewal", nik: "3174101704820001", data: { plate_number: "B 9661 SX" } };
  const first = keys.keyFor(body);
  assert.equal(keys.keyFor({ data: { plate_number: "B 9661 SX" }, nik: "3174101704820001", service: "vehicle-tax-renewal" }), first);
});

test("a changed form is another request with a key of its own", () => {
  const keys = new SubmissionKeys(counter());
  const first = keys.keyFor({ data: { plate_number: "B 9661 SX" } });
  const second = keys.keyFor({ data: { plate_number: "B 4460 SS" } });
  assert.notEqual(first, second);
});

test("after a request is filed, the next one is new even if equal", () => {
  const keys = new SubmissionKeys(counter());
  const body = { data: { plate_number: "B 9661 SX" } };
  const first = keys.keyFor(body);
  keys.settled();
  assert.notEqual(keys.keyFor(body), first);
});

test("canonical JSON sorts keys at every depth and keeps array order", () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [2, 1], c: null } }), '{"a":{"c":null,"d":[2,1]},"b":1}');
});
