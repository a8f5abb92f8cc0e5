import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { describe, it } from "node:test";

import {
  buildCookie,
  crossSiteRefusal,
  escapeHtml,
  parseCookies,
  safeReturnTo,
  securityHeaders,
  withQuery,
} from "../server/http";

function request(method: string, headers: Record<string, string>): IncomingMessage {
  return { method, headers } as unknown as IncomingMessage;
}

describe("safeReturnTo", () => {
  it("keeps a path of this site with its query and fragment", () => {
    assert.equal(safeReturnTo("/profil?tab=kendaraan#pajak", "/"), "/profil?tab=kendaraan#pajak");
    assert.equal(safeReturnTo("/counter", "/"), "/counter");
  });

  it("falls back for anything that could lead to another site", () => {
    for (const value of [
      "https://evil.example/",
      "//evil.example/x",
      "/\\evil.example",
      "\\\\evil.example",
      "javascript:alert(1)",
      "evil.example",
      "/\tevil",
      "/ok\r\nSet-Cookie: x=1",
    ]) {
      assert.equal(safeReturnTo(value, "/fallback"), "/fallback", value);
    }
  });

  it("falls back when nothing is given", () => {
    assert.equal(safeReturnTo(null, "/counter"), "/counter");
    assert.equal(safeReturnTo("", "/"), "/");
  });

  it("resolves dot segments to a path of this site", () => {
    assert.equal(safeReturnTo("/a/../b", "/"), "/b");
  });
});

describe("withQuery", () => {
  it("adds the parameter before the fragment and keeps the query", () => {
    assert.equal(
      withQuery("/keluarga?x=1#top", "auth_error", "invalid_grant"),
      "/keluarga?x=1&auth_error=invalid_grant#top",
    );
  });
});

describe("buildCookie", () => {
  const options = { path: "/", maxAgeSeconds: 1, secure: false };

  it("is HttpOnly and SameSite=Lax, Secure only when asked", () => {
    const plain = buildCookie("sp_session", "abc", { ...options, maxAgeSeconds: 900.7 });
    assert.equal(plain, "sp_session=abc; Path=/; Max-Age=900; HttpOnly; SameSite=Lax");
    const secure = buildCookie("sp_session", "abc", { ...options, secure: true });
    assert.ok(secure.endsWith("; Secure"));
  });

  it("expires a cookie with a zero Max-Age, never a negative one", () => {
    assert.match(buildCookie("x", "", { ...options, maxAgeSeconds: -5 }), /Max-Age=0;/);
  });

  it("encodes a value that would break the header", () => {
    assert.match(buildCookie("x", "a;b c", options), /^x=a%3Bb%20c;/);
  });
});

describe("parseCookies", () => {
  it("reads each cookie once, the first one winning, and decodes values", () => {
    const cookies = parseCookies("a=1; sp_session=x%3Dy; a=2; broken; =v");
    assert.equal(cookies.get("a"), "1");
    assert.equal(cookies.get("sp_session"), "x=y");
    assert.equal(cookies.size, 2);
  });

  it("keeps a value with a malformed escape as it came", () => {
    assert.equal(parseCookies("a=%E0%A4%A").get("a"), "%E0%A4%A");
  });
});

describe("crossSiteRefusal", () => {
  const publicUrl = "http://127.0.0.1:8080";

  it("lets reads through", () => {
    assert.equal(crossSiteRefusal(request("GET", {}), publicUrl), null);
  });

  it("lets a write of the app through", () => {
    const headers = {
      "x-requested-with": "satupintu-web",
      origin: publicUrl,
      "sec-fetch-site": "same-origin",
    };
    assert.equal(crossSiteRefusal(request("POST", headers), publicUrl), null);
  });

  it("refuses a write without the app's header", () => {
    const refusal = crossSiteRefusal(request("POST", { origin: publicUrl }), publicUrl);
    assert.match(refusal ?? "", /X-Requested-With/);
  });

  it("refuses a write from another origin or site even with the header", () => {
    const header = { "x-requested-with": "satupintu-web" };
    for (const [method, extra] of [
      ["DELETE", { origin: "https://evil.example" }],
      ["POST", { origin: "http://127.0.0.1:8081" }],
      ["PUT", { "sec-fetch-site": "cross-site" }],
    ] as const) {
      assert.notEqual(crossSiteRefusal(request(method, { ...header, ...extra }), publicUrl), null);
    }
  });
});

describe("securityHeaders", () => {
  it("allows no inline script and no framing, and forms only here and at the provider", () => {
    const headers = securityHeaders("http://127.0.0.1:8112");
    const csp = headers["Content-Security-Policy"] ?? "";
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /form-action 'self' http:\/\/127\.0\.0\.1:8112;/);
    assert.doesNotMatch(csp, /unsafe/);
    assert.equal(headers["X-Frame-Options"], "DENY");
  });
});

describe("escapeHtml", () => {
  it("escapes what could open a tag or attribute", () => {
    assert.equal(
      escapeHtml(`<a href="x">'&'</a>`),
      "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
    );
  });
});
