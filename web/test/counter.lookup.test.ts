import assert from "node:assert/strict";
import { test } from "node:test";
import { translator } from "../src/lib/i18n.js";
import { checkLookup, checkNik, composePurpose, formFieldOf, problemText, type LookupDraft } from "../src/counter/lookup.js";
import { counterStrings } from "../src/counter/strings.js";

const id = translator(counterStrings, "id");
const en = translator(counterStrings, "en");
const draft = (over: Partial<LookupDraft>): LookupDraft => ({ nik: "3174101704820001", choice: "purposeRenewal", other: "", queue: "", ...over });

test("a lookup without a purpose is refused on the purpose field, with a message naming it", () => {
  const checked = checkLookup(draft({ choice: "" }), id);
  assert.equal(checked.ok, false);
  if (checked.ok) return;
  assert.deepEqual(checked.errors.map((e) => e.field), ["purpose"]);
  assert.match(problemText(checked.errors[0]!, id), /^Tujuan wajib dipilih/);
  assert.match(problemText(checked.errors[0]!, en), /^Purpose is required/);
});

test("every problem of the form is reported at once", () => {
  const checked = checkLookup(draft({ nik: "3174 1017", choice: "" }), id);
  assert.equal(checked.ok, false);
  if (checked.ok) return;
  assert.deepEqual(checked.errors.map((e) => [e.field, problemText(e, id)]), [
    ["nik", "NIK harus 16 angka; yang diisi 8 angka."],
    ["purpose", "Tujuan wajib dipilih: sebutkan untuk apa data warga dibuka."],
  ]);
});

test("a chosen purpose is sent as the sentence the officer read, with the queue number", () => {
  assert.deepEqual(checkLookup(draft({ queue: "A012" }), id), {
    ok: true,
    value: { nik: "3174101704820001", purpose: "Perpanjangan pajak kendaraan di loket, antrean A012" },
  });
  assert.deepEqual(composePurpose(draft({}), en), { ok: true, value: "Vehicle tax renewal at the counter" });
});

test("'other' needs the officer's own words, which are sent on one line", () => {
  const empty = composePurpose(draft({ choice: "other", other: "   " }), id);
  assert.deepEqual(empty.ok ? [] : empty.errors.map((e) => e.field), ["purposeOther"]);
  assert.deepEqual(composePurpose(draft({ choice: "other", other: "Legalisir  KK\n untuk sekolah" }), id), {
    ok: true,
    value: "Legalisir KK untuk sekolah",
  });
});

test("a purpose the gateway or a browser header could not carry is refused before sending", () => {
  const accented = composePurpose(draft({ choice: "other", other: "Pengecekan data — antrean" }), id);
  assert.equal(accented.ok, false);
  if (!accented.ok) assert.equal(accented.errors[0]?.key, "purposeCharacters");
  const short = composePurpose(draft({ choice: "other", other: "ab" }), id);
  assert.equal(short.ok ? "" : short.errors[0]?.key, "purposeTooShort");
  const long = composePurpose(draft({ choice: "other", other: "x".repeat(201) }), en);
  assert.equal(long.ok ? "" : problemText(long.errors[0]!, en), "Purpose is too long: at most 200 characters; it has 201.");
  const queue = composePurpose(draft({ queue: "A 012" }), id);
  assert.deepEqual(queue.ok ? [] : queue.errors.map((e) => e.field), ["queue"]);
});

test("a NIK typed in groups is read as its 16 digits; letters and wrong lengths are named", () => {
  assert.deepEqual(checkNik(" 3174 1017-0482.0001 "), { ok: true, value: "3174101704820001" });
  const empty = checkNik("  ");
  assert.equal(empty.ok ? "" : empty.errors[0]?.key, "nikRequired");
  const letters = checkNik("31741017048200O1");
  assert.equal(letters.ok ? "" : letters.errors[0]?.key, "nikCharacters");
});

test("the gateway's field names find the form's fields", () => {
  const fields = ["nik", "purpose", "plate_number", "village_code"] as const;
  assert.equal(formFieldOf("nik", fields), "nik");
  assert.equal(formFieldOf("X-Purpose", fields), "purpose");
  assert.equal(formFieldOf("data.address.village_code", fields), "village_code");
  assert.equal(formFieldOf("body.data.plate_number", fields), "plate_number");
  assert.equal(formFieldOf("include", fields), undefined);
});
