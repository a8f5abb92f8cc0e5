import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Schemas } from "../src/lib/api.js";
import {
  actableChildren,
  ageOn,
  authErrorMessage,
  completeSurvey,
  missingFor,
  missingSources,
  releasedText,
  SURVEY_ELEMENTS,
} from "../src/portal/model.js";
import { addressErrors } from "../src/portal/AddressChangePage.js";
import { activeSection } from "../src/portal/PortalApp.js";
import { latestExpiry } from "../src/portal/MandatesPage.js";
import { actorText } from "../src/portal/AccessLogPage.js";
import { portalStrings } from "../src/portal/strings.js";
import { translator } from "../src/lib/i18n.js";

const ok: Schemas["SourceReport"] = { status: "ok", latency_ms: 12, parts: ["identity"] };

describe("agencies that did not answer", () => {
  const sources: Record<string, Schemas["SourceReport"]> = {
    civil_registry: ok,
    bapenda_31: { status: "unavailable", latency_ms: 3, detail: "connection refused" },
    investment_licensing: { status: "not_found", latency_ms: 5 },
  };

  it("get a plain note naming the part and the agency", () => {
    const missing = missingSources(sources, "id");
    assert.deepEqual(missing.map((m) => m.note), [
      "Data kendaraan sedang tidak dapat diambil dari Bapenda DKI Jakarta. Bagian lain tetap ditampilkan.",
    ]);
    assert.equal(
      missingSources(sources, "en")[0]?.note,
      "Vehicle data cannot be retrieved from Bapenda DKI Jakarta right now. The other parts are shown.",
    );
  });

  it("do not include an agency that answered it holds nothing", () => {
    assert.deepEqual(missingFor("businesses", missingSources(sources, "id")), []);
    assert.deepEqual(missingFor("vehicles", missingSources(sources, "id")), ["bapenda_31"]);
  });

  it("include timeouts and throttling, in a stable order", () => {
    const more = { ...sources, bapenda_35: { status: "timeout" as const, latency_ms: 2000 }, bapenda_32: { status: "throttled" as const, latency_ms: 0 } };
    assert.deepEqual(missingSources(more, "id").map((m) => m.agency), ["bapenda_31", "bapenda_32", "bapenda_35"]);
  });
});

describe("acting for family", () => {
  const member = (nik: string, relationship: Schemas["FamilyRelationship"], born: string, deceased = false): Schemas["FamilyMember"] => ({
    nik,
    relationship,
    date_of_birth: born,
    deceased,
    full_name: nik,
    place_of_birth: "Semarang",
    sex: "female",
  });

  it("counts age in whole years, the birthday included", () => {
    assert.equal(ageOn("2009-06-15", "2026-06-14"), 16);
    assert.equal(ageOn("2009-06-15", "2026-06-15"), 17);
  });

  it("offers living minor children only, never oneself", () => {
    const members = [
      member("p", "head", "1984-03-12"),
      member("w", "wife", "1986-01-01"),
      member("kid", "child", "2015-05-05"),
      member("adult", "child", "2005-05-05"),
      member("gone", "child", "2016-01-01", true),
    ];
    assert.deepEqual(actableChildren(members, "p", "2026-12-07").map((m) => m.nik), ["kid"]);
    assert.deepEqual(actableChildren(members, "kid", "2026-12-07"), []);
  });

  it("explains a refused act-for sign-in in words", () => {
    assert.match(authErrorMessage("invalid_grant", "id"), /anak di bawah umur/);
    assert.match(authErrorMessage("different_person", "en"), /your own NIK/);
    assert.match(authErrorMessage("server_error", "en"), /did not succeed/);
  });
});

describe("survey", () => {
  it("is complete only with all nine answers from 1 to 4", () => {
    const all = Object.fromEntries(SURVEY_ELEMENTS.map(([key]) => [key, 4]));
    assert.deepEqual(completeSurvey(all), { ok: true, answers: all });
    assert.deepEqual(completeSurvey({ requirements: 3 }), { ok: false, missing: 8 });
    assert.deepEqual(completeSurvey({ ...all, fee: 5 }), { ok: false, missing: 1 });
  });
});

describe("address form", () => {
  it("asks for three-digit RT/RW and a dotted village code", () => {
    assert.deepEqual(addressErrors({ street: "Jl. Merdeka 1", rt: "004", rw: "011", village_code: "31.71.07.1003" }), {});
    assert.deepEqual(addressErrors({ street: " ", rt: "4", rw: "0111", village_code: "3171071003" }), {
      street: "fieldRequired",
      rt: "fieldThreeDigits",
      rw: "fieldThreeDigits",
      village_code: "fieldVillage",
    });
  });
});

describe("portal menu", () => {
  it("marks the section a deep page belongs to", () => {
    assert.equal(activeSection("/"), "/");
    assert.equal(activeSection("/pengaduan/abc"), "/pengaduan");
    assert.equal(activeSection("/permohonan"), "/permohonan");
    assert.equal(activeSection("/elsewhere"), "");
  });
});

describe("mandates", () => {
  it("run at most a year", () => {
    assert.equal(latestExpiry("2026-12-07"), "2027-12-06");
  });
});

describe("access log", () => {
  it("says what was released in words", () => {
    const t = translator(portalStrings, "id");
    assert.equal(releasedText(["identity", "identity.full", "vehicles", "new_part"], t), "identitas, data KTP lengkap, kendaraan, new part");
  });

  const entry: Schemas["AccessLogEntry"] = {
    agencies: [],
    client_id: "demo-portal",
    client_name: "Portal Satu Pintu",
    occurred_at: "2026-12-07T01:00:00Z",
    operation: "citizen.profile",
    outcome: "complete",
    purpose: null,
    released: ["identity"],
    request_id: "r1",
    acting_for_you: {
      basis: "parent",
      nik: "33740912",
      relationship: "father",
      summary: "your father, acting for you",
      summary_id: "ayah Anda, bertindak untuk Anda",
    },
  };

  it("says who acted for the reader, in their language", () => {
    assert.equal(actorText(entry, "id", () => ""), "ayah Anda, bertindak untuk Anda (Portal Satu Pintu)");
    assert.equal(actorText(entry, "en", () => ""), "your father, acting for you (Portal Satu Pintu)");
  });

  it("says when the reader acted for someone else", () => {
    const mine = { ...entry, acting_for_you: null, acting_for: { ...entry.acting_for_you!, nik: "33740003" } };
    assert.equal(actorText(mine, "en", (nik) => `You, acting for ${nik}`), "You, acting for 33740003 (Portal Satu Pintu)");
  });
});
