import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { matchPath } from "../src/lib/router.js";
import { loginUrl, parseSession } from "../src/lib/session.js";

describe("sign-in links", () => {
  it("carry the role, the way back and the language", () => {
    assert.equal(loginUrl({ as: "citizen", returnTo: "/pajak-kendaraan", lang: "id" }), "/auth/login?as=citizen&return_to=%2Fpajak-kendaraan&lang=id");
  });

  it("name whom to act for", () => {
    const url = new URL(loginUrl({ as: "citizen", actFor: "3374091203840003", returnTo: "/", lang: "en" }), "http://x");
    assert.equal(url.searchParams.get("act_for"), "3374091203840003");
    assert.equal(url.searchParams.get("return_to"), "/");
  });

  it("never send the reader elsewhere after sign-in", () => {
    const url = new URL(loginUrl({ as: "citizen", returnTo: "https://evil.example/", lang: "id" }), "http://x");
    assert.equal(url.searchParams.get("return_to"), "/");
  });
});

describe("session document", () => {
  it("reads a citizen acting for a child", () => {
    const session = parseSession({
      signed_in: true,
      role: "citizen",
      nik: "3374091203840001",
      name: "Budi",
      acting_for: { nik: "3374091203840003", name: "Ani" },
      counter: null,
      expires_at: "2026-01-01T00:00:00Z",
    });
    assert.equal(session.signed_in, true);
    assert.deepEqual(session.signed_in && session.acting_for, { nik: "3374091203840003", name: "Ani" });
  });

  it("counts anything malformed as signed out", () => {
    assert.deepEqual(parseSession({ signed_in: true, role: "admin", nik: "1" }), { signed_in: false });
    assert.deepEqual(parseSession(null), { signed_in: false });
    assert.deepEqual(parseSession({ signed_in: false }), { signed_in: false });
  });
});

describe("routes", () => {
  it("match parameters and decode them", () => {
    assert.deepEqual(matchPath("/permohonan/:id", "/permohonan/sr%2F1"), { id: "sr/1" });
    assert.equal(matchPath("/permohonan/:id", "/permohonan"), null);
    assert.equal(matchPath("/permohonan/:id", "/pengaduan/1"), null);
    assert.deepEqual(matchPath("/counter/*", "/counter/a/b"), {});
  });
});
