import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ConfigError, parseConfig } from "../server/config";

const COMPLETE: Record<string, string> = {
  WEB_PORT: "8080",
  WEB_PUBLIC_URL: "http://127.0.0.1:8080/",
  WEB_GATEWAY_URL: "http://127.0.0.1:8000",
  WEB_IDP_ISSUER: "http://127.0.0.1:8112",
  WEB_IDP_CLIENT_ID: "satupintu-portal",
  WEB_IDP_CLIENT_SECRET: "idp-secret",
  WEB_PORTAL_CLIENT_ID: "demo-portal",
  WEB_PORTAL_CLIENT_SECRET: "portal-secret",
  WEB_COUNTER_CLIENT_ID: "demo-counter",
  WEB_COUNTER_CLIENT_SECRET: "counter-secret",
  WEB_COUNTER_OFFICERS: "1471104508900001, 3471073006980001",
  WEB_COUNTER_AGENCY: "bapenda_31",
};

function refusal(env: Record<string, string | undefined>): string {
  try {
    parseConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.message;
  }
  assert.fail("the configuration was accepted");
}

describe("parseConfig", () => {
  it("reads a complete environment, URLs without their trailing slash", () => {
    const config = parseConfig(COMPLETE);
    assert.equal(config.port, 8080);
    assert.equal(config.publicUrl, "http://127.0.0.1:8080");
    assert.equal(config.gatewayUrl, "http://127.0.0.1:8000");
    assert.deepEqual([...config.counterOfficers], ["1471104508900001", "3471073006980001"]);
    assert.deepEqual(config.portal, { id: "demo-portal", secret: "portal-secret" });
    assert.equal(config.secureCookies, false);
    assert.equal(config.counterName, "bapenda_31");
  });

  it("marks cookies Secure when the app is reached over https", () => {
    const config = parseConfig({ ...COMPLETE, WEB_PUBLIC_URL: "https://portal.example.id" });
    assert.equal(config.secureCookies, true);
  });

  it("takes the counter's display name when given", () => {
    const config = parseConfig({ ...COMPLETE, WEB_COUNTER_NAME: "Loket MPP Jakarta" });
    assert.equal(config.counterName, "Loket MPP Jakarta");
  });

  it("names every missing variable at once, secrets included, with no default", () => {
    const message = refusal({ WEB_PORT: "8080" });
    for (const name of Object.keys(COMPLETE).filter((n) => n !== "WEB_PORT")) {
      assert.match(message, new RegExp(`${name} is not set`));
    }
  });

  it("treats a blank secret as missing", () => {
    const blank = refusal({ ...COMPLETE, WEB_PORTAL_CLIENT_SECRET: "  " });
    assert.match(blank, /WEB_PORTAL_CLIENT_SECRET is not set/);
  });

  it("refuses a malformed port, URL, officer NIK or agency code", () => {
    assert.match(refusal({ ...COMPLETE, WEB_PORT: "80a" }), /WEB_PORT must be a port/);
    assert.match(refusal({ ...COMPLETE, WEB_PORT: "70000" }), /WEB_PORT must be a port/);
    assert.match(refusal({ ...COMPLETE, WEB_GATEWAY_URL: "gateway" }), /must be a URL/);
    assert.match(refusal({ ...COMPLETE, WEB_IDP_ISSUER: "ftp://idp" }), /http or https/);
    assert.match(refusal({ ...COMPLETE, WEB_PUBLIC_URL: "http://a.example/app" }), /origin/);
    const officers = "123,1471104508900001";
    assert.match(refusal({ ...COMPLETE, WEB_COUNTER_OFFICERS: officers }), /not 123$/m);
    assert.match(refusal({ ...COMPLETE, WEB_COUNTER_AGENCY: "Bapenda 31" }), /agency code/);
  });
});
