import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { shellStrings } from "../src/lib/shell.js";
import { acceptLanguage, defineStrings, interpolate, isLang, translator, type Strings } from "../src/lib/i18n.js";
import { portalStrings } from "../src/portal/strings.js";

/** Placeholders a message uses, sorted. */
function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string).sort();
}

function assertComplete<K extends string>(name: string, strings: Strings<K>): void {
  const idKeys = Object.keys(strings.id).sort();
  const enKeys = Object.keys(strings.en).sort();
  assert.deepEqual(enKeys, idKeys, `${name}: the same keys in both languages`);
  for (const key of idKeys as K[]) {
    assert.notEqual(strings.id[key].trim(), "", `${name}.${key} is empty in Bahasa Indonesia`);
    assert.notEqual(strings.en[key].trim(), "", `${name}.${key} is empty in English`);
    assert.deepEqual(placeholders(strings.en[key]), placeholders(strings.id[key]), `${name}.${key}: same placeholders`);
  }
}

describe("dictionaries", () => {
  it("are complete in both languages, with the same placeholders", () => {
    assertComplete("portal", portalStrings);
    assertComplete("shell", shellStrings);
  });
});

describe("translation", () => {
  const strings = defineStrings({ hello: "Halo {name}, {n} pesan" }, { hello: "Hello {name}, {n} messages" });

  it("fills placeholders in the chosen language", () => {
    assert.equal(translator(strings, "id")("hello", { name: "Siti", n: 3 }), "Halo Siti, 3 pesan");
    assert.equal(translator(strings, "en")("hello", { name: "Siti", n: 3 }), "Hello Siti, 3 messages");
  });

  it("leaves a placeholder it has no value for visible", () => {
    assert.equal(interpolate("Halo {name}", {}), "Halo {name}");
    assert.equal(interpolate("Halo {name}", { name: undefined }), "Halo {name}");
  });

  it("asks the gateway for the chosen language first", () => {
    assert.equal(acceptLanguage("id"), "id, en;q=0.5");
    assert.equal(acceptLanguage("en"), "en, id;q=0.5");
  });

  it("accepts only the two languages", () => {
    assert.ok(isLang("id"));
    assert.ok(isLang("en"));
    assert.ok(!isLang("fr"));
    assert.ok(!isLang(null));
  });
});
