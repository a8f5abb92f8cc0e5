import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { describeSession, ExpiringMap, newId, type Session } from "../server/sessions";

describe("ExpiringMap", () => {
  it("forgets an entry once it expired", () => {
    let now = 1_000;
    const map = new ExpiringMap<{ expiresAt: number }>(10, () => now);
    map.set("a", { expiresAt: 2_000 });
    assert.ok(map.get("a"));
    now = 2_000;
    assert.equal(map.get("a"), undefined);
    assert.equal(map.size, 0);
  });

  it("gives an entry taken once, and not again", () => {
    const map = new ExpiringMap<{ expiresAt: number }>(10, () => 0);
    map.set("state", { expiresAt: 1 });
    assert.ok(map.take("state"));
    assert.equal(map.take("state"), undefined);
  });

  it("drops the oldest entry when full, so it never grows past its capacity", () => {
    const map = new ExpiringMap<{ expiresAt: number }>(2, () => 0);
    map.set("a", { expiresAt: 9 });
    map.set("b", { expiresAt: 9 });
    map.set("c", { expiresAt: 9 });
    assert.equal(map.size, 2);
    assert.equal(map.get("a"), undefined);
    assert.ok(map.get("c"));
  });

  it("sweeps expired entries it was never asked for", () => {
    let now = 0;
    const map = new ExpiringMap<{ expiresAt: number }>(10, () => now);
    map.set("a", { expiresAt: 5 });
    map.set("b", { expiresAt: 50 });
    now = 10;
    map.sweep();
    assert.equal(map.size, 1);
  });
});

describe("newId", () => {
  it("is 32 random bytes, base64url, new every time", () => {
    const id = newId();
    assert.match(id, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(newId(), id);
  });
});

describe("describeSession", () => {
  const counter = { agency: "bapenda_31", name: "Loket" };
  const session: Session = {
    id: "session-id",
    role: "citizen",
    nik: "3374091203840001",
    name: "LANJAR HAKIM",
    own: { accessToken: "own-token", expiresAt: Date.UTC(2026, 0, 1) },
    actingFor: {
      nik: "3374091905150001",
      name: "GALUR WACANA",
      grant: { accessToken: "child-token", expiresAt: 0 },
    },
    expiresAt: Date.UTC(2026, 0, 1),
  };

  it("says who is signed in and for whom they act, and never a token or the id", () => {
    const shown = describeSession(session, counter);
    assert.deepEqual(shown, {
      signed_in: true,
      role: "citizen",
      nik: "3374091203840001",
      name: "LANJAR HAKIM",
      acting_for: { nik: "3374091905150001", name: "GALUR WACANA" },
      counter: null,
      expires_at: "2026-01-01T00:00:00.000Z",
    });
    const text = JSON.stringify(shown);
    for (const secret of ["own-token", "child-token", "session-id"]) {
      assert.ok(!text.includes(secret), secret);
    }
  });

  it("names the counter for an officer", () => {
    const officer: Session = { ...session, role: "officer", own: null, actingFor: null };
    assert.deepEqual(describeSession(officer, counter).counter, counter);
  });

  it("is signed out without a session", () => {
    assert.deepEqual(describeSession(undefined, counter), { signed_in: false });
  });
});
