import assert from "node:assert/strict";
import { test } from "node:test";
import { translator } from "../src/lib/i18n.js";
import { problemText } from "../src/counter/lookup.js";
import { buildSubmission, isFormService, normalisePlate } from "../src/counter/serviceForms.js";
import { counterStrings } from "../src/counter/strings.js";

const id = translator(counterStrings, "id");
const NIK = "3174101704820001";

test("a renewal carries the plate as the STNK writes it", () => {
  assert.deepEqual(buildSubmission("vehicle-tax-renewal", NIK, { plate_number: " b9661sx " }), {
    ok: true,
    value: { service: "vehicle-tax-renewal", nik: NIK, data: { plate_number: "B 9661 SX" } },
  });
  assert.equal(normalisePlate("B  4460   ss"), "B 4460 SS");
});

test("a missing or unreadable plate is named on the plate field", () => {
  const missing = buildSubmission("vehicle-tax-renewal", NIK, {});
  assert.deepEqual(missing.ok ? [] : missing.errors.map((e) => [e.field, problemText(e, id)]), [
    ["plate_number", "Nomor polisi wajib diisi."],
  ]);
  const wrong = buildSubmission("vehicle-tax-renewal", NIK, { plate_number: "B 0123 XX" });
  assert.equal(wrong.ok ? "" : wrong.errors[0]?.key, "plateInvalid");
});

test("an address change pads RT and RW to the card's three digits", () => {
  const built = buildSubmission("address-change", NIK, { street: "Jl. Pandanaran No. 10", rt: "2", rw: "14", village_code: "33.74.09.1001" });
  assert.deepEqual(built, {
    ok: true,
    value: { service: "address-change", nik: NIK, data: { street: "Jl. Pandanaran No. 10", rt: "002", rw: "014", village_code: "33.74.09.1001" } },
  });
});

test("every wrong field of an address change is reported, each by its own field", () => {
  const built = buildSubmission("address-change", NIK, { street: "Jl", rt: "1234", village_code: "3374091001" });
  assert.deepEqual(built.ok ? [] : built.errors.map((e) => [e.field, problemText(e, id)]), [
    ["street", "Jalan dan nomor harus 3 sampai 200 karakter."],
    ["rt", "RT harus 1 sampai 3 angka."],
    ["rw", "RW wajib diisi."],
    ["village_code", "Kode kelurahan/desa harus seperti 31.74.10.1004."],
  ]);
});

test("a business registration takes several KBLI codes and names a wrong one", () => {
  const built = buildSubmission("business-registration", NIK, {
    business_name: "Warung Sari",
    kbli: "56101, 47112,56101",
    street: "Jl. Malioboro No. 5",
    village_code: "34.71.13.1002",
  });
  assert.deepEqual(built.ok ? built.value.data : undefined, {
    business_name: "Warung Sari",
    kbli: ["56101", "47112"],
    address: { street: "Jl. Malioboro No. 5", village_code: "34.71.13.1002" },
  });
  const wrong = buildSubmission("business-registration", NIK, { business_name: "Warung", kbli: "5610", street: "Jl. A No. 1", village_code: "34.71.13.1002" });
  assert.deepEqual(wrong.ok ? [] : wrong.errors.map((e) => problemText(e, id)), ["Kode KBLI harus lima angka; “5610” tidak."]);
});

test("only the services the API takes a body for are offered", () => {
  assert.equal(isFormService("vehicle-tax-renewal"), true);
  assert.equal(isFormService("address-change"), true);
  assert.equal(isFormService("health-insurance-card"), false);
  assert.equal(isFormService("toString"), false);
});
