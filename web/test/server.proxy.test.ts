import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { browserLocation, counterMayUse, gatewayPath } from "../server/proxy";

describe("gatewayPath", () => {
  it("maps /api/v1/... to the gateway's /v1/...", () => {
    assert.equal(gatewayPath("/api/v1/citizens/3374091203840001"), "/v1/citizens/3374091203840001");
    assert.equal(gatewayPath("/api/v1/vehicles/B%201234%20XY"), "/v1/vehicles/B%201234%20XY");
  });

  it("forwards nothing outside /v1/ and never the token endpoint", () => {
    for (const path of [
      "/api",
      "/api/",
      "/api/docs",
      "/api/metrics",
      "/api/v1/oauth/token",
      "/api/v1/oauth",
      "/apiv1/x",
    ]) {
      assert.equal(gatewayPath(path), null, path);
    }
  });

  it("refuses what the gateway could read as another path", () => {
    for (const path of [
      "/api/v1/citizens/../agencies",
      "/api/v1/citizens/./x",
      "/api/v1/citizens%2F..%2Fagencies",
      "/api/v1/citizens/%2e%2e/agencies",
      "/api/v1/citizens\\..\\agencies",
      "/api/v1/x%5cy",
    ]) {
      assert.equal(gatewayPath(path), null, path);
    }
  });
});

describe("counterMayUse", () => {
  it("reaches the counter's resources and nothing that merely starts alike", () => {
    assert.ok(counterMayUse("/v1/citizens/3374091203840001"));
    assert.ok(counterMayUse("/v1/service-requests"));
    assert.ok(counterMayUse("/v1/complaints"));
    assert.ok(!counterMayUse("/v1/agencies"));
    assert.ok(!counterMayUse("/v1/citizensx"));
    assert.ok(!counterMayUse("/v1/mandates"));
    assert.ok(!counterMayUse("/v1/reports/satisfaction"));
  });
});

describe("browserLocation", () => {
  it("shows the gateway's own addresses under /api", () => {
    const gateway = "http://127.0.0.1:8000";
    const made = `${gateway}/v1/service-requests/7`;
    assert.equal(browserLocation(made, gateway), "/api/v1/service-requests/7");
    assert.equal(browserLocation("/v1/complaints/3", gateway), "/api/v1/complaints/3");
    assert.equal(browserLocation("https://bank.example/pay", gateway), "https://bank.example/pay");
  });
});
