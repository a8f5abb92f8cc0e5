"""The API reference pages work on a network that reaches nothing but the gateway, under the
gateway's own CSP, and let a reader get a client-credentials token and try a call.

A real gateway process serves them. Where Chromium is installed, a headless browser whose
every connection except to the gateway goes to a dead proxy renders each page, which must show
every operation of the spec without a CSP refusal, and a reader's session is played in it:
Authorize with client credentials, then Execute a call that needs the token."""

import asyncio
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest

from simulators.stack import Stack, free_port
from tests.conftest import started_stack

pytestmark = pytest.mark.e2e

PAGES = ["/docs", "/redoc"]
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory, _fresh_external_database) -> Iterator[Stack]:
    with started_stack(tmp_path_factory.mktemp("docs"), agencies=False) as started:
        yield started


class Page(HTMLParser):
    """What a page makes the browser load, and any script written into the page itself."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.inline_scripts: list[str] = []
        self.attributes: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.attributes += values.values()
        self.inline_scripts += [f"{name}=" for name in values if name.startswith("on")]
        if tag == "script":
            self._in_script = "src" not in values
            if "src" in values:
                self.loads.append(values["src"])
        elif tag == "link" or tag == "img":
            self.loads.append(values.get("href") or values.get("src", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


def _directives(csp: str) -> dict[str, set[str]]:
    parts = (d.split() for d in csp.split(";") if d.strip())
    return {name: set(values) for name, *values in parts}


@pytest.mark.parametrize("path", PAGES)
def test_every_file_the_page_loads_comes_from_the_gateway(stack: Stack, path: str) -> None:
    response = httpx.get(stack.gateway.url + path, timeout=10)
    assert response.status_code == 200
    page = Page()
    page.feed(response.text)

    assert page.inline_scripts == []
    assert not [a for a in page.attributes if re.match(r"(https?:)?//", a)]
    assert "http://" not in response.text
    assert "https://" not in response.text
    assert {Path(load).suffix for load in page.loads} >= {".js"}
    for load in page.loads:
        assert load.startswith("/"), load
        asset = httpx.get(stack.gateway.url + load, timeout=10)
        assert asset.status_code == 200, load
        assert asset.headers["content-type"].startswith(CONTENT_TYPES[Path(load).suffix]), load
        assert len(asset.content) > 0


@pytest.mark.parametrize("path", PAGES)
def test_the_pages_csp_lets_in_this_origins_scripts_only(stack: Stack, path: str) -> None:
    csp = _directives(
        httpx.get(stack.gateway.url + path, timeout=10).headers["content-security-policy"]
    )

    assert csp["default-src"] == {"'none'"}
    assert csp["script-src"] == {"'self'"}
    assert csp["connect-src"] == {"'self'"}
    assert csp["frame-ancestors"] == {"'none'"}
    assert not [v for values in csp.values() for v in values if "://" in v or v == "*"]


def test_the_api_itself_keeps_the_strict_csp(stack: Stack) -> None:
    response = httpx.get(stack.gateway.url + "/healthz", timeout=10)

    assert (
        response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    )


def test_authorize_gets_a_token_the_way_swagger_ui_asks_for_it(stack: Stack) -> None:
    """Swagger UI's Authorize posts to the spec's `tokenUrl`, form-encoded, with the client
    id and secret as HTTP Basic and the scopes ticked (none: an empty `scope`)."""
    spec = httpx.get(stack.gateway.url + "/openapi.json", timeout=10).json()
    flows = spec["components"]["securitySchemes"]["OAuth2"]["flows"]
    assert list(flows) == ["clientCredentials"]
    officer = stack.credentials["demo-officer"]

    token = httpx.post(
        stack.gateway.url + flows["clientCredentials"]["tokenUrl"],
        data={"grant_type": "client_credentials", "scope": ""},
        auth=(officer["client_id"], officer["client_secret"]),
        headers={"X-Requested-With": "XMLHttpRequest"},
        timeout=10,
    )
    assert token.status_code == 200, token.text
    tried = httpx.get(
        stack.gateway.url + "/v1/services",
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        timeout=10,
    )
    assert tried.status_code == 200


RENDERED_OPERATION = {
    "/docs": r'<div class="opblock opblock-\w+[^"]*" id="operations-[^"]*?-(\w+)"',
    "/redoc": r'id="operation/(\w+)"',
}
"""How each UI marks an operation it rendered, with its operationId."""


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize("path", PAGES)
def test_the_page_renders_every_operation_with_the_network_cut_off(
    stack: Stack, tmp_path, path: str
) -> None:
    spec = httpx.get(stack.gateway.url + "/openapi.json", timeout=10).json()
    operation_ids = {
        operation["operationId"]
        for item in spec["paths"].values()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }
    dead_proxy = f"http://127.0.0.1:{free_port()}"
    assert CHROMIUM is not None
    browser = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            f"--user-data-dir={tmp_path}",
            f"--proxy-server={dead_proxy}",
            "--proxy-bypass-list=127.0.0.1",
            "--virtual-time-budget=20000",
            "--dump-dom",
            stack.gateway.url + path,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    assert len(operation_ids) > 20
    assert operation_ids <= set(re.findall(RENDERED_OPERATION[path], browser.stdout))
    refused = [line for line in browser.stderr.splitlines() if "Content Security Policy" in line]
    # ReDoc's footer shows its maker's logo from a CDN: the CSP blocks it, and nothing else.
    assert [line for line in refused if "cdn.redoc.ly/redoc/logo-mini.svg" not in line] == []


AUTHORIZE_AND_TRY = """
(async () => {
  const until = async (find, what) => {
    for (let i = 0; i < 300; i++) {
      const found = find();
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error("never appeared: " + what);
  };
  const type = (input, value) => {
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(input, value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  };
  (await until(() => document.querySelector(".btn.authorize"), "Authorize")).click();
  type(await until(() => document.getElementById("client_id_clientCredentials"), "client_id"),
       CLIENT_ID);
  type(document.getElementById("client_secret_clientCredentials"), CLIENT_SECRET);
  document.querySelector('button[aria-label="Apply given OAuth2 credentials"]').click();
  await until(() => ui.authSelectors.authorized().getIn(["OAuth2", "token", "access_token"]),
              "a token");
  document.querySelector(".modal-ux .btn-done").click();
  const operation = await until(() => document.querySelector(
    '[id$="-performance_report_v1_reports_performance_get"]'), "the operation");
  operation.querySelector(".opblock-summary-control").click();
  (await until(() => operation.querySelector(".btn.execute"), "Execute")).click();
  const status = await until(() => operation.querySelector(
    ".live-responses-table tbody .response-col_status"), "the response");
  return status.textContent.trim();
})()
"""
"""What a reader does: Authorize with the client id and secret, open an operation that needs
a token, Execute; the answer's status as Swagger UI shows it."""


async def _evaluate(debugger: str, expression: str) -> Any:
    """Runs `expression` in the browser's page once it has loaded, through the DevTools
    protocol, and returns its value."""
    async with aiohttp.ClientSession() as session:
        for _ in range(100):
            try:
                async with session.get(f"{debugger}/json/list") as listed:
                    pages = [t for t in await listed.json() if t["type"] == "page"]
                if pages:
                    break
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
        async with session.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            calls = 0

            async def call(source: str) -> dict[str, Any]:
                nonlocal calls
                calls += 1
                params = {"expression": source, "awaitPromise": True, "returnByValue": True}
                await ws.send_json({"id": calls, "method": "Runtime.evaluate", "params": params})
                async for message in ws:
                    answer: dict[str, Any] = json.loads(message.data)
                    if answer.get("id") == calls:
                        result: dict[str, Any] = answer["result"]
                        return result
                raise AssertionError("the browser closed the connection")

            for _ in range(300):
                loaded = await call("document.readyState + location.protocol")
                if loaded["result"].get("value") == "completehttp:":
                    break
                await asyncio.sleep(0.1)
            evaluated = await call(expression)
            assert "exceptionDetails" not in evaluated, evaluated["exceptionDetails"]
            return evaluated["result"]["value"]


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
async def test_a_reader_authorizes_with_client_credentials_and_tries_a_call(
    stack: Stack, tmp_path
) -> None:
    officer = stack.credentials["demo-officer"]
    port = free_port()
    assert CHROMIUM is not None
    browser = await asyncio.create_subprocess_exec(
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        f"--user-data-dir={tmp_path}",
        f"--remote-debugging-port={port}",
        f"--proxy-server=http://127.0.0.1:{free_port()}",
        "--proxy-bypass-list=127.0.0.1",
        stack.gateway.url + "/docs",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        script = AUTHORIZE_AND_TRY.replace("CLIENT_ID", json.dumps(officer["client_id"]))
        script = script.replace("CLIENT_SECRET", json.dumps(officer["client_secret"]))
        status = await asyncio.wait_for(_evaluate(f"http://127.0.0.1:{port}", script), 90)
    finally:
        browser.terminate()
        await browser.wait()

    assert status == "200"
