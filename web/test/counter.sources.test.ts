import assert from "node:assert/strict";
import { test } from "node:test";
import { translator } from "../src/lib/i18n.js";
import { agencyName, silentSources, withheldParts } from "../src/counter/sources.js";
import { counterStrings } from "../src/counter/strings.js";

const id = translator(counterStrings, "id");
const en = translator(counterStrings, "en");

test("an agency that did not answer is named in plain words with the part that is missing", () => {
  const notes = silentSources(
    {
      civil_registry: { status: "ok", latency_ms: 12, parts: ["identity"] },
      bapenda_33: { status: "unavailable", latency_ms: 1, parts: ["vehicles"], detail: "connection refused" },
      bapenda_31: { status: "not_found", latency_ms: 5, parts: [] },
      investment_licensing: { status: "timeout", latency_ms: 2000 },
    },
    id,
  );
  assert.deepEqual(
    notes.map((n) => id(n.key, n.params)),
    [
      "Bapenda Jawa Tengah (SAMSAT) sedang tidak dapat dihubungi. Kendaraan dari instansi ini tidak ditampilkan; coba cari lagi beberapa saat lagi.",
      "OSS (perizinan berusaha) tidak menjawab tepat waktu. Datanya dari instansi ini tidak ditampilkan; coba cari lagi beberapa saat lagi.",
    ],
  );
});

test("agencies have names a citizen knows, and an unknown code stays visible", () => {
  assert.equal(agencyName("bapenda_31", id), "Bapenda DKI Jakarta (SAMSAT)");
  assert.equal(agencyName("bapenda_35", en), "Bapenda Jawa Timur (SAMSAT)");
  assert.equal(agencyName("bapenda_99", en), "Bapenda of province 99 (SAMSAT)");
  assert.equal(agencyName("vehicle_tax", id), "Bapenda (SAMSAT)");
  assert.equal(agencyName("civil_registry", en), "Civil registry (Dukcapil)");
  assert.equal(agencyName("kantah_3174", en), "Land office 3174");
  assert.equal(agencyName("ministry_of_magic", id), "ministry_of_magic");
});

test("withheld parts are listed by name, and the KTP-el fields as one phrase", () => {
  assert.equal(withheldParts(["family", "identity.religion", "identity.blood_type"], id), "Kartu keluarga, rincian KTP-el lainnya");
  assert.equal(withheldParts([], id), "");
  assert.equal(withheldParts(undefined, en), "");
});
