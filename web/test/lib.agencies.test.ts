import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { agencyName, agencyPart, readAgencyCode } from "../src/lib/agencies.js";

describe("agency codes", () => {
  it("read a tax office's province and a land office's regency, named when known", () => {
    assert.deepEqual(readAgencyCode("bapenda_31"), { kind: "taxOffice", province: "31", provinceName: "DKI Jakarta" });
    assert.deepEqual(readAgencyCode("bapenda_99"), { kind: "taxOffice", province: "99", provinceName: undefined });
    assert.deepEqual(readAgencyCode("kantah_3273"), { kind: "landOffice", regency: "3273", regencyName: "Kota Bandung" });
    assert.deepEqual(readAgencyCode("kantah_9999"), { kind: "landOffice", regency: "9999", regencyName: undefined });
  });

  it("leave anything else as it is, including near misses", () => {
    assert.deepEqual(readAgencyCode("bapenda_311"), { kind: "other", code: "bapenda_311" });
    assert.deepEqual(readAgencyCode("civil_registry"), { kind: "other", code: "civil_registry" });
  });
});

describe("agency names", () => {
  it("name a provincial tax office by its province", () => {
    assert.equal(agencyName("bapenda_31", "id"), "Bapenda DKI Jakarta");
    assert.equal(agencyName("bapenda_35", "en"), "Bapenda Jawa Timur");
    assert.equal(agencyPart("bapenda_33"), "vehicles");
  });

  it("name national agencies and land offices, and show an unknown code as itself", () => {
    assert.equal(agencyName("civil_registry", "en"), "Dukcapil (civil registry)");
    assert.equal(agencyName("kantah_3273", "id"), "Kantor Pertanahan Kota Bandung");
    assert.equal(agencyName("new_agency", "id"), "new_agency");
    assert.equal(agencyPart("investment_licensing"), "businesses");
  });
});
