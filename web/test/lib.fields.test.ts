import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inWords, problemsInOrder } from "../src/lib/fields.js";
import { translator } from "../src/lib/i18n.js";
import { portalStrings, type PortalKey } from "../src/portal/strings.js";

describe("a form's problems", () => {
  const order = ["street", "rt", "village_code"] as const;
  const idOf = (field: string) => `address-${field}`;

  it("are listed in the order the fields are shown, whatever order they were found in", () => {
    const found = { village_code: "Isi kode.", street: "Wajib diisi." };
    assert.deepEqual(problemsInOrder(order, found, idOf), [
      { id: "address-street", text: "Wajib diisi." },
      { id: "address-village_code", text: "Isi kode." },
    ]);
    assert.deepEqual(problemsInOrder(order, {}, idOf), []);
  });

  it("are kept as message keys and read in the reader's language", () => {
    const found: Partial<Record<(typeof order)[number], PortalKey>> = { rt: "fieldThreeDigits" };
    assert.deepEqual(inWords(found, translator(portalStrings, "id")), { rt: "Isi tiga angka, misalnya 004." });
    assert.deepEqual(inWords(found, translator(portalStrings, "en")), { rt: "Enter three digits, for example 004." });
  });
});
