import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiError, call, fallbackMessage, problemKind, problemMessage } from "../src/lib/api.js";

describe("problem to message", () => {
  it("prefers the gateway's detail, which is already in the reader's language", () => {
    const problem = {
      type: "https://satupintu.go.id/problems/payment-mismatch",
      title: "Pembayaran tidak cocok",
      status: 422,
      detail: "Jumlah harus Rp 3.450.000.",
    };
    assert.equal(problemMessage(problem, 422, "id"), "Jumlah harus Rp 3.450.000.");
  });

  it("falls back to the title, then to a sentence for the status", () => {
    assert.equal(problemMessage({ title: "Agency unavailable" }, 503, "en"), "Agency unavailable");
    assert.equal(problemMessage(undefined, 503, "en"), "The service cannot be reached right now. Please try again shortly.");
    assert.equal(problemMessage("<html>Bad gateway</html>", 502, "id"), "Layanan sedang tidak dapat dihubungi. Coba lagi beberapa saat lagi.");
  });

  it("adds each field's message once", () => {
    const problem = {
      title: "Invalid request",
      detail: "The request has invalid fields.",
      errors: [
        { field: "data.rt", message: "must be three digits" },
        { field: "data.rw", message: "must be three digits" },
      ],
    };
    assert.equal(
      problemMessage(problem, 422, "en"),
      "The request has invalid fields. must be three digits must be three digits",
    );
    assert.equal(problemMessage({ detail: "same", errors: [{ message: "same" }] }, 422, "en"), "same");
  });

  it("tells a signed-out reader to sign in again, in our words", () => {
    const bff = { type: "https://satupintu.go.id/problems/not-signed-in", title: "Not signed in", status: 401 };
    assert.equal(problemMessage(bff, 401, "id"), "Sesi Anda telah berakhir. Silakan masuk lagi.");
    assert.equal(problemMessage(undefined, 401, "en"), "Your session has ended. Please sign in again.");
  });

  it("names the problem type by its last segment", () => {
    assert.equal(problemKind({ type: "https://satupintu.go.id/problems/agency-unavailable" }), "agency-unavailable");
    assert.equal(problemKind({ type: "about:blank" }), "");
    assert.equal(problemKind(undefined), "");
  });

  it("has a sentence for a failed network and for too many requests", () => {
    assert.match(fallbackMessage(0, "en"), /internet connection/);
    assert.match(fallbackMessage(429, "id"), /Terlalu banyak/);
  });
});

describe("call", () => {
  const response = (status: number) => new Response(null, { status });

  it("returns the data of a successful call", async () => {
    assert.deepEqual(await call(Promise.resolve({ data: { id: "r1" }, response: response(200) })), { id: "r1" });
  });

  it("throws an ApiError carrying the status, the problem and its message", async () => {
    const problem = { type: "https://satupintu.go.id/problems/survey-already-submitted", detail: "Already answered." };
    await assert.rejects(call(Promise.resolve({ error: problem, response: response(409) })), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 409);
      assert.equal(err.kind, "survey-already-submitted");
      assert.equal(err.message, "Already answered.");
      return true;
    });
  });

  it("turns a network failure into status 0 with a readable message", async () => {
    await assert.rejects(call(Promise.reject(new TypeError("fetch failed"))), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 0);
      assert.match(err.message, /koneksi internet/);
      return true;
    });
  });
});
