"""The whole system on one machine: the simulated agencies and the gateway, each its own
process, as `make run` starts them and as the end-to-end tests and the benchmark use them.

The agencies are a small federation: one civil registry and one licensing agency for the
country, and four provincial tax offices, each its own process holding only its province's
vehicles (East Java's speaks another dialect). One more process hosts a tax office for every
other province under `/prov/<code>`: none of them is registered at start, so the demo can
register one (Bali's) through the admin API, and the benchmark all 38.

Two more agencies join by declaration alone (`declarations/*.json`): BPJS Kesehatan's
membership service and the BPN land offices. The gateway is told nothing about them at start
but their keys (`SATUPINTU_AGENCY_SECRET_<REF>`, the declarations' `secret_ref`s); their
simulators run beside the others, each with a random key made for this start.

Citizens sign in at a simulated national digital identity provider (IKD-like, OpenID
Connect), one more process; the gateway is told to trust its ID tokens (issuer, keys,
audience), and the demo portal is registered with it as a client with a secret made for this
start.

The web app (`web/`: the citizen portal and the MPP counter console) is one more process, a
node server that holds the portal's and the counter's secrets (backend for frontend). Only
`make run` and the browser tests start it; the other tests' stacks do without."""

import itertools
import json
import os
import secrets as random_secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import typer

from app.config import demo_federation
from app.secret_settings import fresh_secrets

DEMO_INSTANCES = demo_federation()


@dataclass(frozen=True)
class Simulator:
    target: str
    port: int
    health_path: str
    env: Mapping[str, str] = field(default_factory=dict)


_SAMSAT = "simulators.vehicle_tax.app:app"
#: The agency instances `make run` configures, each its own simulator process, by code.
SIMULATORS: dict[str, Simulator] = {
    "civil_registry": Simulator("simulators.civil_registry.app:app", 8101, "/api/v1/ping"),
    "bapenda_31": Simulator(_SAMSAT, 8102, "/samsat/status", {"SIM_PROVINCES": "31"}),
    "investment_licensing": Simulator(
        "simulators.investment_licensing.app:app", 8103, "/oss/v2/health"
    ),
    "bapenda_32": Simulator(_SAMSAT, 8104, "/samsat/status", {"SIM_PROVINCES": "32"}),
    "bapenda_33": Simulator(_SAMSAT, 8105, "/samsat/status", {"SIM_PROVINCES": "33"}),
    "bapenda_35": Simulator(
        "simulators.samsat_jatim.app:app", 8106, "/api/v2/health", {"SIM_PROVINCES": "35"}
    ),
}
#: Tax offices of every other province, at `/prov/<code>`; registered only through the API.
PROVINCES_HOST = Simulator("simulators.vehicle_tax.federation:app", 8107, "/prov/51/samsat/status")
PROVINCES_HOST_NAME = "other_provinces"
#: Simulators of the agencies that join by declaration only, by host name; each serves one
#: declaration's sources, at the port its `base_url` names.
PRODUCT_HOSTS: dict[str, Simulator] = {
    "bpjs_kesehatan": Simulator("simulators.bpjs_kesehatan.app:app", 8110, "/vclaim-rest/status"),
    "land_registry": Simulator("simulators.land_registry.app:app", 8111, "/kantah/3174/api/status"),
}
#: The gateway variable holding each of their keys: the declarations' `secret_ref`s.
PRODUCT_HOST_SECRETS = {
    "bpjs_kesehatan": "SATUPINTU_AGENCY_SECRET_BPJS_CONS_KEY",
    "land_registry": "SATUPINTU_AGENCY_SECRET_BPN_TOKEN",
}
#: The national digital identity provider citizens sign in at; the gateway trusts its tokens.
IDENTITY_PROVIDER = Simulator(
    "simulators.identity_provider.app:app", 8112, "/.well-known/openid-configuration"
)
IDENTITY_PROVIDER_NAME = "identity_provider"
#: The web app's port in `make run`.
WEB_PORT = 8080
#: The web app signs citizens in as this client; the gateway takes ID tokens issued to it, and
#: only those, in its token exchange.
PORTAL_CLIENT_ID = "satupintu-portal"
PORTAL_REDIRECT_URI = f"http://127.0.0.1:{WEB_PORT}/auth/callback"
#: Given in `secrets`, the portal's client secret at the provider; else one made per start.
PORTAL_SECRET_VARIABLE = "SATUPINTU_PORTAL_IDP_CLIENT_SECRET"
#: A public client (PKCE only) for tests: ID tokens for an audience the gateway refuses.
TEST_CLIENT_ID = "satupintu-test"
TEST_REDIRECT_URI = "http://127.0.0.1/test/callback"
DECLARATIONS = Path(__file__).resolve().parent.parent / "declarations"
WEB_DIR = Path(__file__).resolve().parent.parent / "web"
WEB_SERVER = WEB_DIR / "dist" / "server.js"
#: The gateway's clients the web app holds: citizens' sign-ins are exchanged by the portal, the
#: counter console calls as the counter.
WEB_PORTAL_CLIENT = "demo-portal"
WEB_COUNTER_CLIENT = "demo-counter"
#: The demo citizens who work at the MPP counter of Jakarta's tax office: they sign in to the
#: counter console at the identity provider like anyone else, and only they are let in.
COUNTER_OFFICERS = ("woman", "nothing")
COUNTER_AGENCY = "bapenda_31"
COUNTER_NAME = "Loket Bapenda DKI Jakarta, MPP Jakarta"
#: Registered by `make run` once the gateway is up; the README has the other join in one call.
DECLARED_AT_START = "land_certificates"
AGENCY_PORTS = {code: simulator.port for code, simulator in SIMULATORS.items()}
GATEWAY_PORT = 8000
HOST = "127.0.0.1"
SECRETS_FILE = Path(".run/secrets.env")
"""`make run`'s secrets, git-ignored; operator commands run in the checkout read it too."""


def _read_env(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    pairs = (line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}


def installation_secrets(path: Path = SECRETS_FILE) -> dict[str, str]:
    """This installation's secrets: random ones made on the first start, the same ones on
    every later start (tokens, webhook signatures and stored agency passwords stay valid). The
    file is created readable by its owner only, and exclusively, so two stacks starting at
    once cannot each write their own; a secret added by a newer version is appended."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        created = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)
        stored = _read_env(path)
        missing = {k: v for k, v in fresh_secrets().items() if k not in stored}
        if missing:
            with path.open("a", encoding="utf-8") as stream:
                stream.writelines(f"{name}={value}\n" for name, value in missing.items())
        return {**stored, **missing}
    made = fresh_secrets()
    with os.fdopen(created, "w", encoding="utf-8") as stream:
        stream.write("# satupintu secrets of this checkout, made by `make run`; keep private.\n")
        stream.writelines(f"{name}={value}\n" for name, value in made.items())
    return made


PORT_BLOCK = 1000
FIRST_PORT = 20000
"""Ports handed out start here, below Linux's ephemeral range (32768 and up by default)."""
PORT_BLOCKS = 12


def _port_block() -> range:
    """This process's own ports: one block per pytest-xdist worker, so two workers starting
    stacks at once never pick the same port."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    index = int(worker) % PORT_BLOCKS if worker.isdigit() else 0
    start = FIRST_PORT + index * PORT_BLOCK
    return range(start, start + PORT_BLOCK)


_BLOCK = _port_block()
_next_in_block = itertools.count(random_secrets.randbelow(PORT_BLOCK))


def free_port() -> int:
    """A port free now, for a server about to be started on it. A port the kernel picked
    (bind to 0) lies in the ephemeral range, where an outgoing connection of this or another
    process may take it before the server binds it; CI saw "address already in use". These
    come from this process's own block below that range, in turn, skipping any in use."""
    for _ in range(PORT_BLOCK):
        port = _BLOCK[next(_next_in_block) % PORT_BLOCK]
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {_BLOCK.start}-{_BLOCK.stop - 1}")


@dataclass
class Process:
    name: str
    target: str
    port: int
    health_path: str
    env: Mapping[str, str] = field(default_factory=dict)
    factory: bool = False
    popen: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def command(self) -> list[str]:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            self.target,
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        if self.factory:
            command.append("--factory")
        return command

    def start(self) -> None:
        self.popen = subprocess.Popen(self.command(), env={**os.environ, **self.env})

    def wait_ready(self, timeout_s: float = 30.0) -> None:
        ends_at = time.monotonic() + timeout_s
        while time.monotonic() < ends_at:
            if self.popen is not None and self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited with code {self.popen.returncode}")
            try:
                if httpx.get(self.url + self.health_path, timeout=1).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer on {self.url} within {timeout_s} s")

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGINT)
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


@dataclass
class NodeProcess(Process):
    """A node server (the web app's), `target` the script; it listens on `WEB_PORT`."""

    def command(self) -> list[str]:
        node = shutil.which("node")
        if node is None:
            raise RuntimeError(f"{self.name} needs Node.js 20 or later (node is not on the PATH)")
        if not Path(self.target).is_file():
            raise RuntimeError(f"{self.target} is missing: build the web app (make web)")
        return [node, self.target]


@dataclass
class Stack:
    agencies: dict[str, Process]
    gateway: Process
    provinces: Process | None = None
    """The host of every other province's tax office, at `/prov/<code>`."""
    products: dict[str, Process] = field(default_factory=dict)
    """The simulators of the agencies that join by declaration, by host name."""
    credentials: dict[str, dict[str, str]] = field(default_factory=dict)
    """The demo clients' credentials by client id, made when the stack starts."""
    tokens: dict[str, str] = field(default_factory=dict)
    identity_provider: Process | None = None
    """The IKD-like OpenID Connect provider citizens sign in at."""
    web: Process | None = None
    """The web app's server (portal and counter console), when asked for."""

    def processes(self) -> list[Process]:
        hosts = [self.provinces] if self.provinces else []
        identity = [self.identity_provider] if self.identity_provider else []
        web = [self.web] if self.web else []
        return [
            *self.agencies.values(),
            *hosts,
            *self.products.values(),
            *identity,
            self.gateway,
            *web,
        ]

    def id_token(
        self, nik: str, client_id: str = PORTAL_CLIENT_ID, *, expires_in: int | None = None
    ) -> str:
        """A citizen's ID token as if they had signed in at the provider for `client_id`,
        minted through its control endpoint (a negative `expires_in`: already expired)."""
        from simulators.identity_provider import CONTROL_KEY_ENV, CONTROL_KEY_HEADER

        provider = self.identity_provider
        assert provider is not None
        asked: dict[str, object] = {"nik": nik, "client_id": client_id}
        if expires_in is not None:
            asked["expires_in"] = expires_in
        answer = httpx.post(
            f"{provider.url}/_control/id-token",
            json=asked,
            headers={CONTROL_KEY_HEADER: provider.env[CONTROL_KEY_ENV]},
            timeout=10,
        )
        answer.raise_for_status()
        token: str = answer.json()["id_token"]
        return token

    def province_url(self, province: str) -> str:
        """The base URL of a province's tax office on the provinces host."""
        assert self.provinces is not None
        return f"{self.provinces.url}/prov/{province}"

    def create_demo_clients(self) -> None:
        """Through the operator's CLI, before the gateway starts, so only one process ever
        migrates the database."""
        made = subprocess.run(
            [sys.executable, "-m", "app.cli", "clients", "demo"],
            env={**os.environ, **self.gateway.env},
            capture_output=True,
            text=True,
            check=True,
        )
        self.credentials = {c["client_id"]: c for c in json.loads(made.stdout)}
        if self.web is not None:
            # The web app holds the secrets just made; the browser never sees them.
            portal, counter = (self.credentials[c] for c in (WEB_PORTAL_CLIENT, WEB_COUNTER_CLIENT))
            self.web.env = {
                **self.web.env,
                "WEB_PORTAL_CLIENT_ID": portal["client_id"],
                "WEB_PORTAL_CLIENT_SECRET": portal["client_secret"],
                "WEB_COUNTER_CLIENT_ID": counter["client_id"],
                "WEB_COUNTER_CLIENT_SECRET": counter["client_secret"],
            }

    def token(self, client_id: str = "demo-officer", **form: str) -> str:
        """A real access token from the running gateway's token endpoint."""
        client = self.credentials[client_id]
        answer = httpx.post(
            f"{self.gateway.url}/v1/oauth/token",
            data={"grant_type": "client_credentials", **form},
            auth=(client["client_id"], client["client_secret"]),
            timeout=10,
        )
        answer.raise_for_status()
        token: str = answer.json()["access_token"]
        return token

    def declare(self, name: str) -> None:
        """Registers `declarations/<name>.json` through the admin API, as an administrator
        would: the agency joins by its declaration alone. A declaration already taking traffic
        unchanged is no new version, so every start can apply it."""
        answer = httpx.put(
            f"{self.gateway.url}/v1/data-products/{name}",
            json=declaration_for(name, self),
            headers=self.officer_headers("registering a declared data product"),
            timeout=60,
        )
        answer.raise_for_status()

    def officer_headers(self, purpose: str = "local testing") -> dict[str, str]:
        """Headers of the demo officer; the token is fetched once and reused, as a real client
        would until it expires."""
        if "demo-officer" not in self.tokens:
            self.tokens["demo-officer"] = self.token()
        return {"Authorization": f"Bearer {self.tokens['demo-officer']}", "X-Purpose": purpose}


def plan(
    database_url: str,
    gateway_port: int = GATEWAY_PORT,
    agency_ports: Mapping[str, int] = AGENCY_PORTS,
    gateway_env: Mapping[str, str] | None = None,
    secrets: Mapping[str, str] | None = None,
    provinces_port: int = PROVINCES_HOST.port,
    product_ports: Mapping[str, int] | None = None,
    identity_port: int | None = None,
    web_port: int | None = None,
) -> Stack:
    """`secrets` default to fresh ones, so a test or benchmark run never shares any.
    `product_ports` and `identity_port` default to free ones (`make run` passes their own),
    so the callers that predate them never collide with a running `make run`. The web app
    runs only with a `web_port` (it must be built first: `make web`)."""
    agencies = {
        code: Process(
            code,
            SIMULATORS[code].target,
            port,
            SIMULATORS[code].health_path,
            SIMULATORS[code].env,
        )
        for code, port in agency_ports.items()
    }
    host = PROVINCES_HOST
    provinces = Process(
        PROVINCES_HOST_NAME, host.target, provinces_port, host.health_path, host.env
    )
    chosen = {**(fresh_secrets() if secrets is None else secrets)}
    # A key made for this start unless given: nothing stored depends on it.
    keys = {
        name: chosen.pop(variable, "") or random_secrets.token_urlsafe(32)
        for name, variable in PRODUCT_HOST_SECRETS.items()
    }
    ports = (
        {name: free_port() for name in PRODUCT_HOSTS} if product_ports is None else product_ports
    )
    products = {
        name: Process(
            name,
            PRODUCT_HOSTS[name].target,
            port,
            PRODUCT_HOSTS[name].health_path,
            {**PRODUCT_HOSTS[name].env, "SIM_API_KEY": keys[name]},
        )
        for name, port in ports.items()
    }
    portal_secret = chosen.pop(PORTAL_SECRET_VARIABLE, "") or random_secrets.token_urlsafe(32)
    web_url = f"http://{HOST}:{web_port or WEB_PORT}"
    identity = _identity_provider(
        identity_port or free_port(), portal_secret, f"{web_url}/auth/callback"
    )
    # Every agency of this local stack lives on loopback, which agency administrators may
    # then use through the admin API too.
    env = {
        "DATABASE_URL": database_url,
        "SATUPINTU_AGENCY_URL_ALLOWLIST": '["127.0.0.1"]',
        "SATUPINTU_PUBLIC_URL": f"http://{HOST}:{gateway_port}",
        **chosen,
        **{PRODUCT_HOST_SECRETS[name]: keys[name] for name in products},
        "SATUPINTU_IDENTITY_ISSUER": identity.url,
        "SATUPINTU_IDENTITY_JWKS_URL": f"{identity.url}/jwks.json",
        "SATUPINTU_IDENTITY_AUDIENCE": PORTAL_CLIENT_ID,
        **(gateway_env or {}),
    }
    for code, process in agencies.items():
        env[f"SATUPINTU_AGENCIES__{code.upper()}__BASE_URL"] = process.url
    gateway = Process("gateway", "app.main:create_app", gateway_port, "/healthz", env, True)
    web = None if web_port is None else _web(web_port, gateway, identity, portal_secret)
    return Stack(agencies, gateway, provinces, products, identity_provider=identity, web=web)


def _web(port: int, gateway: Process, identity: Process, portal_secret: str) -> Process:
    """The web app's server with all it needs but the gateway clients' secrets, which exist
    only once `Stack.create_demo_clients` has made them."""
    from simulators.world import personas

    demo = personas()
    env = {
        "WEB_PORT": str(port),
        "WEB_PUBLIC_URL": f"http://{HOST}:{port}",
        "WEB_GATEWAY_URL": gateway.url,
        "WEB_IDP_ISSUER": identity.url,
        "WEB_IDP_CLIENT_ID": PORTAL_CLIENT_ID,
        "WEB_IDP_CLIENT_SECRET": portal_secret,
        "WEB_COUNTER_OFFICERS": ",".join(demo[key].nik for key in COUNTER_OFFICERS),
        "WEB_COUNTER_AGENCY": COUNTER_AGENCY,
        "WEB_COUNTER_NAME": COUNTER_NAME,
    }
    return NodeProcess("web", str(WEB_SERVER), port, "/healthz", env)


def _identity_provider(port: int, portal_secret: str, portal_redirect_uri: str) -> Process:
    """The provider with its issuer fixed to where it listens, the portal and test clients
    registered, and a control key made for this start, which only `Stack.id_token` uses."""
    from simulators.identity_provider import CLIENTS_ENV, CONTROL_KEY_ENV, ISSUER_ENV

    clients = [
        {
            "client_id": PORTAL_CLIENT_ID,
            "name": "Portal satupintu",
            "redirect_uris": [portal_redirect_uri],
            "client_secret": portal_secret,
        },
        {
            "client_id": TEST_CLIENT_ID,
            "name": "satupintu (pengujian)",
            "redirect_uris": [TEST_REDIRECT_URI],
        },
    ]
    simulator = IDENTITY_PROVIDER
    env = {
        **simulator.env,
        ISSUER_ENV: f"http://{HOST}:{port}",
        CLIENTS_ENV: json.dumps(clients),
        CONTROL_KEY_ENV: random_secrets.token_urlsafe(32),
    }
    return Process(IDENTITY_PROVIDER_NAME, simulator.target, port, simulator.health_path, env)


@contextmanager
def running(stack: Stack) -> Iterator[Stack]:
    try:
        stack.create_demo_clients()
        for process in stack.processes():
            process.start()
        for process in stack.processes():
            process.wait_ready()
        yield stack
    finally:
        for process in reversed(stack.processes()):
            process.stop()


def bali_registration(stack: Stack) -> dict[str, object]:
    """The admin call that makes Bali's tax office (on the provinces host) the fifth office,
    with a plate and owner of its own for the conformance suite."""
    from simulators.world import default_world

    world = default_world()
    plate = min(p for p, v in world.vehicles.items() if v.regency_code.startswith("51"))
    return {
        "code": "bapenda_51",
        "kind": "vehicle_tax",
        "name": "Bapenda Provinsi Bali (SAMSAT)",
        "jurisdiction": ["51"],
        "base_url": stack.province_url("51"),
        "conformance": {
            "known_nik": world.vehicles[plate].owner_nik,
            "known_plate_number": plate,
            "unknown_plate_number": "DK 1 QQQ",
        },
    }


def _declared_sources(host: str) -> list[str]:
    """What a product host serves, by the declarations that point at its port."""
    port = PRODUCT_HOSTS[host].port
    served = []
    for path in sorted(DECLARATIONS.glob("*.json")):
        declaration = json.loads(path.read_text("utf-8"))
        codes = [
            source["agency"]["code"]
            for source in declaration["sources"]
            if urlsplit(source["base_url"]).port == port
        ]
        if codes:
            served.append(f"{declaration['name']}: {' '.join(codes)}")
    return served


def declaration_for(name: str, stack: Stack) -> dict[str, Any]:
    """`declarations/<name>.json` with every source's base URL moved from the port `make run`
    gives its simulator to where this stack runs it, path kept (`/kantah/3174`)."""
    declaration: dict[str, Any] = json.loads((DECLARATIONS / f"{name}.json").read_text("utf-8"))
    running_at = {
        PRODUCT_HOSTS[host].port: process.port for host, process in stack.products.items()
    }
    for source in declaration["sources"]:
        url = urlsplit(source["base_url"])
        if url.port in running_at:
            netloc = f"{HOST}:{running_at[url.port]}"
            source["base_url"] = urlunsplit(url._replace(netloc=netloc))
    return declaration


def _banner(stack: Stack) -> str:
    from simulators.world import personas

    lines = [
        "",
        "satupintu is running (Ctrl-C stops everything)",
        *_web_lines(stack),
        f"  gateway API          {stack.gateway.url}/v1/citizens/<nik>",
        f"  API docs             {stack.gateway.url}/docs",
        f"  readiness            {stack.gateway.url}/readyz",
    ]
    lines.append("  agency instances (code, jurisdiction, kind, simulator):")
    for code, process in stack.agencies.items():
        configured = DEMO_INSTANCES.get(code)
        where = (
            ",".join(configured.jurisdiction)
            if configured and configured.jurisdiction
            else "national"
        )
        kind = (configured.kind if configured else None) or code
        lines.append(f"    {code:<20} {where:<9} {kind:<22} {process.url}")
    if stack.provinces:
        lines += [
            f"  other provinces      {stack.provinces.url}/prov/<code>, none registered; "
            "join Bali's office (with $TOKEN from below):",
            f"    curl -H \"Authorization: Bearer $TOKEN\" -H 'content-type: application/json' "
            f"{stack.gateway.url}/v1/agencies -d '{json.dumps(bali_registration(stack))}'",
        ]
    if stack.products:
        lines.append(
            "  agencies joining by declaration (declarations/*.json; keys new on every start):"
        )
        lines += [
            f"    {name:<20} {process.url}  ({', '.join(_declared_sources(name))})"
            for name, process in stack.products.items()
        ]
    if stack.identity_provider:
        from simulators.identity_provider import DEMO_PIN

        provider = stack.identity_provider.url
        lines += [
            f"  identity provider    {provider}/.well-known/openid-configuration (IKD-like "
            f"OpenID Connect; every demo citizen's PIN is {DEMO_PIN})",
            f"    clients            {PORTAL_CLIENT_ID} (returns to {_portal_return(stack)}), "
            f"{TEST_CLIENT_ID} (public, PKCE only)",
        ]
    lines += [
        f"  secrets              {SECRETS_FILE.resolve()} (made on the first start, kept;",
        "                       delete it and the database together to start over)",
        f"  token keys           {stack.gateway.url}/.well-known/jwks.json",
    ]
    lines.append("  demo clients (new secrets on every start):")
    for client in stack.credentials.values():
        lines.append(
            f"    {client['client_id']:<14} {client['kind']:<8} secret {client['client_secret']}"
        )
    officer = stack.credentials["demo-officer"]
    lines += [
        "  get a token, then call with it:",
        f"    TOKEN=$(curl -s -u {officer['client_id']}:{officer['client_secret']} "
        f"-d grant_type=client_credentials {stack.gateway.url}/v1/oauth/token "
        "| python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')",
        f'    curl -H "Authorization: Bearer $TOKEN" -H "X-Purpose: trying it out" '
        f"{stack.gateway.url}/v1/citizens/<nik>",
        *_sign_in_lines(stack),
        "  demo citizens:",
    ]
    for name, persona in personas().items():
        lines.append(f"    {name:<26} {stack.gateway.url}/v1/citizens/{persona.nik}")
    return "\n".join(lines) + "\n"


def _portal_return(stack: Stack) -> str:
    from simulators.identity_provider import CLIENTS_ENV

    assert stack.identity_provider is not None
    clients = json.loads(stack.identity_provider.env[CLIENTS_ENV])
    uri: str = next(c for c in clients if c["client_id"] == PORTAL_CLIENT_ID)["redirect_uris"][0]
    return uri


def _web_lines(stack: Stack) -> list[str]:
    from simulators.world import personas

    if stack.web is None:
        return []
    demo = personas()
    officers = " or ".join(f"{demo[key].name} {demo[key].nik}" for key in COUNTER_OFFICERS)
    return [
        f"  web app              {stack.web.url}/  (counter console: /counter; officers sign in "
        f"as {officers})",
    ]


def _sign_in_lines(stack: Stack) -> list[str]:
    """How a portal acts for a citizen who signed in at the identity provider: it exchanges
    the citizen's ID token (RFC 8693); the control endpoint stands in for the sign-in."""
    from simulators.identity_provider import CONTROL_KEY_ENV, CONTROL_KEY_HEADER

    portal = stack.credentials.get("demo-portal")
    provider = stack.identity_provider
    if portal is None or provider is None:
        return []
    return [
        "  a portal acts for a citizen signed in at the identity provider (here its control",
        "  endpoint stands in for the sign-in pages) by exchanging their ID token:",
        f"    ID_TOKEN=$(curl -s -H '{CONTROL_KEY_HEADER}: {provider.env[CONTROL_KEY_ENV]}' "
        f"-H 'content-type: application/json' {provider.url}/_control/id-token "
        f'-d \'{{"nik": "<nik>", "client_id": "{PORTAL_CLIENT_ID}"}}\' '
        "| python3 -c 'import json,sys; print(json.load(sys.stdin)[\"id_token\"])')",
        f"    curl -s -u {portal['client_id']}:{portal['client_secret']} "
        "-d grant_type=urn:ietf:params:oauth:grant-type:token-exchange "
        "-d subject_token_type=urn:ietf:params:oauth:token-type:id_token "
        f"-d subject_token=$ID_TOKEN {stack.gateway.url}/v1/oauth/token",
    ]


def main(
    gateway_port: Annotated[int, typer.Option(help="Port of the gateway.")] = GATEWAY_PORT,
    database_url: Annotated[
        str, typer.Option(envvar="DATABASE_URL", help="The gateway's database.")
    ] = "sqlite+aiosqlite:///./satupintu.db",
) -> None:
    """Start the simulated agencies and the gateway, print where to look, wait."""
    # A secret set in the environment wins, as it does for the operator's commands.
    kept = {k: v for k, v in installation_secrets().items() if k not in os.environ}
    products = {name: simulator.port for name, simulator in PRODUCT_HOSTS.items()}
    stack = plan(
        database_url,
        gateway_port,
        secrets=kept,
        product_ports=products,
        identity_port=IDENTITY_PROVIDER.port,
        web_port=WEB_PORT,
    )
    # `kill` or a supervisor's SIGTERM must stop the children too, not orphan them.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with running(stack):
        stack.declare(DECLARED_AT_START)
        typer.echo(_banner(stack))
        try:
            while all(p.popen and p.popen.poll() is None for p in stack.processes()):
                time.sleep(0.5)
            typer.echo("a process stopped; shutting the rest down", err=True)
        except KeyboardInterrupt:
            typer.echo("\nstopping")


if __name__ == "__main__":
    typer.run(main)
