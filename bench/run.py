"""`make bench`: the gateway against yardsticks measured in the same run, as ratios.

Everything runs as real processes on this machine: the simulated federation `make run` starts
(the civil registry, OSS and four provincial tax offices), the gateway, and three minimal
fan-out proxies (`bench/references.py`) over the same simulators. The federation section then
starts a second stack whose gateway knows 38 provincial tax offices, one per province, all on
the provinces host. The load generator is `bench/load.py`. Section 7 (`bench/products.py`)
compares a data product's declared adapter with a hand-written one inside one process.
Ratios, not absolute numbers, are what carries across machines.
"""

import asyncio
import datetime as dt
import json
import os
import platform
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from app.agencies.jurisdiction import plate_regions
from app.audit.checkpoints import new_seed
from bench import products
from bench.load import Result, load
from simulators.stack import (
    AGENCY_PORTS,
    DEMO_INSTANCES,
    HOST,
    Process,
    Stack,
    free_port,
    plan,
    running,
)
from simulators.vehicle_tax.federation import PROVINCE_CODES
from simulators.world import personas

REFERENCES = ("httpx", "httpx_aiohttp", "aiohttp")
FAN_OUT_LATENCIES_MS = (20, 50, 80)
DOCS = Path(__file__).parents[1] / "docs" / "performance.md"
#: The wire dialect of each provincial tax office's adapter kind, as the references speak it.
DIALECTS = {"vehicle_tax": "xml", "samsat_jatim": "json"}
GATEWAY_ENV = {
    "SATUPINTU_LOG_LEVEL": "WARNING",
    # Authentication, scopes, purpose, rate limiting and the audit chain all run; the limit
    # is set high so that it counts every request without refusing the load.
    "SATUPINTU_RATE_LIMIT": "10000000/minute",
}


def _kind(code: str) -> str:
    configured = DEMO_INSTANCES.get(code)
    return (configured.kind if configured else None) or code


def _tax_offices(stack: Stack) -> dict[str, Process]:
    """The stack's provincial tax offices (every instance of a vehicle-tax dialect), by code."""
    return {code: p for code, p in stack.agencies.items() if _kind(code) in DIALECTS}


def _office_of(plate: str) -> str:
    """The demo federation's instance whose jurisdiction covers the plate's province."""
    provinces = {region[:2] for region in plate_regions(plate)}
    return next(
        code
        for code, configured in DEMO_INSTANCES.items()
        if _kind(code) in DIALECTS and provinces & set(configured.jurisdiction)
    )


def _reference(kind: str, stack: Stack) -> Process:
    """A reference proxy doing the gateway's work for a profile: identity and family card,
    every tax office's vehicles for the NIK (each in its dialect), and the businesses."""
    offices = [[DIALECTS[_kind(code)], p.url] for code, p in _tax_offices(stack).items()]
    env = {
        "BENCH_CLIENT": kind,
        "BENCH_CIVIL_REGISTRY": stack.agencies["civil_registry"].url,
        "BENCH_INVESTMENT_LICENSING": stack.agencies["investment_licensing"].url,
        "BENCH_VEHICLE_TAX_OFFICES": json.dumps(offices),
    }
    return Process(f"reference-{kind}", "bench.references:app", free_port(), "/healthz", env)


@contextmanager
def _started(process: Process) -> Iterator[Process]:
    process.start()
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()


def _set_latency(stack: Stack, latency_ms: int) -> None:
    for process in stack.agencies.values():
        httpx.put(f"{process.url}/_control/faults", json={"latency_ms": latency_ms})


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int) -> float:
    """User plus system CPU time of one process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def _measured(
    process: Process, url: str, concurrency: int, seconds: float, **kwargs: Any
) -> tuple[Result, float]:
    """A load run, and the CPU milliseconds the serving process spent per request: steadier
    than req/s on a shared machine, and the number to watch when the gateway gets slower."""
    assert process.popen is not None
    before = _cpu_s(process.popen.pid)
    result = load(url, concurrency, seconds, **kwargs)
    spent = _cpu_s(process.popen.pid) - before
    return result, spent * 1000 / result.requests if result.requests else float("nan")


def _warm(url: str, **kwargs: Any) -> None:
    load(url, 4, 1.0, **kwargs)


def throughput(
    stack: Stack, nik: str, concurrency: int, seconds: float, ratios: dict[str, float]
) -> list[str]:
    """Each reference is measured right after a gateway run of its own and compared with that
    run: on a shared machine whose speed drifts over the minutes of the benchmark, a single
    gateway run compared with three later references would put all the drift on one side."""
    gateway_url = f"{stack.gateway.url}/v1/citizens/{nik}"
    auth = stack.officer_headers("benchmark")
    _warm(gateway_url, headers=auth)
    rows = []
    for kind in REFERENCES:
        gateway, gateway_cpu = _measured(
            stack.gateway, gateway_url, concurrency, seconds, headers=auth
        )
        with _started(_reference(kind, stack)) as reference:
            url = f"{reference.url}/v1/citizens/{nik}"
            _warm(url)
            result, reference_cpu = _measured(reference, url, concurrency, seconds)
        ratio = gateway.rate / result.rate if result.rate else float("nan")
        ratios[kind] = ratio
        rows.append(
            f"| gateway, paired with {kind} | {gateway.rate:,.0f} | "
            f"{gateway.percentile(50):.1f} | {gateway.percentile(99):.1f} | {gateway.errors} | "
            f"{gateway_cpu:.2f} | |"
        )
        rows.append(
            f"| reference: {kind} | {result.rate:,.0f} | {result.percentile(50):.1f} | "
            f"{result.percentile(99):.1f} | {result.errors} | {reference_cpu:.2f} | {ratio:.2f} |"
        )
    return rows


def pass_through(stack: Stack, plate: str, seconds: float) -> list[str]:
    """The plate's own tax office straight, in its dialect, against the gateway routing the
    plate to that office."""
    rows = []
    office = _office_of(plate)
    base = stack.agencies[office].url
    if DIALECTS[_kind(office)] == "xml":
        direct_call: tuple[str, str, dict[str, Any]] = (
            f"{base}/samsat/infopkb",
            "POST",
            {"data": {"nopol": plate}},
        )
    else:
        direct_call = (f"{base}/api/v2/kendaraan/{plate}", "GET", {})
    gateway_url = f"{stack.gateway.url}/v1/vehicles/{plate}"
    auth = stack.officer_headers("benchmark")
    _warm(gateway_url, headers=auth)
    for concurrency in (1, 32):
        direct_url, method, kwargs = direct_call
        direct = load(direct_url, concurrency, seconds, method, **kwargs)
        through = load(gateway_url, concurrency, seconds, headers=auth)
        rows.append(
            f"| {concurrency} | {direct.percentile(50):.2f} | {through.percentile(50):.2f} | "
            f"{through.percentile(50) - direct.percentile(50):+.2f} | "
            f"{direct.percentile(99):.2f} | {through.percentile(99):.2f} | "
            f"{through.percentile(99) - direct.percentile(99):+.2f} |"
        )
    return rows


def fan_out(stack: Stack, nik: str, seconds: float, ratios: dict[str, float]) -> list[str]:
    rows = []
    url = f"{stack.gateway.url}/v1/citizens/{nik}"
    try:
        for latency_ms in FAN_OUT_LATENCIES_MS:
            _set_latency(stack, latency_ms)
            result = load(url, 1, seconds, headers=stack.officer_headers("benchmark"))
            p50 = result.percentile(50)
            ratios[f"fan_out_{latency_ms}"] = p50 / latency_ms
            rows.append(f"| {latency_ms} | {p50:.1f} | {p50 / latency_ms:.3f} |")
    finally:
        _set_latency(stack, 0)
    return rows


def memory(
    stack: Stack, nik: str, seconds: float, ratios: dict[str, float]
) -> tuple[list[str], Result]:
    assert stack.gateway.popen is not None
    pid = stack.gateway.popen.pid
    samples: dict[float, int] = {}
    done = threading.Event()

    def sample() -> None:
        started = time.perf_counter()
        while not done.wait(0.5):
            samples[time.perf_counter() - started] = _rss_kib(pid)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    auth = stack.officer_headers("benchmark")
    result = load(f"{stack.gateway.url}/v1/citizens/{nik}", 32, seconds, headers=auth)
    done.set()
    sampler.join()
    at_10 = next(v for t, v in sorted(samples.items()) if t >= min(10, seconds / 6))
    last = samples[max(samples)]
    peak = max(samples.values())
    growth = (last - at_10) / at_10 * 100
    ratios["memory_growth_percent"] = growth
    rows = [
        f"| {seconds:.0f} s at 32 connections | {result.requests:,} | {peak / 1024:.1f} | "
        f"{at_10 / 1024:.1f} | {last / 1024:.1f} | {growth:+.2f} % |"
    ]
    return rows, result


def _restart_gateway(stack: Stack, env: dict[str, str]) -> None:
    stack.gateway.stop()
    stack.gateway.env = env
    stack.gateway.start()
    stack.gateway.wait_ready()


def audit_checkpoints(
    stack: Stack, nik: str, seconds: float, witness: Path, ratios: dict[str, float]
) -> list[str]:
    """The gateway's CPU per profile read with the checkpointer signing the head every second
    and appending it (fsynced) to a witness file, against the same gateway without it.
    Off and on alternate twice, each on a freshly started gateway, so drift of the shared
    machine lands on both sides."""
    plain = dict(stack.gateway.env)
    checkpointing = {
        **plain,
        "SATUPINTU_AUDIT_SIGNING_KEY": new_seed(),
        "SATUPINTU_AUDIT_CHECKPOINT_INTERVAL_S": "1",
        "SATUPINTU_AUDIT_WITNESSES": json.dumps([witness.as_uri()]),
    }
    url = f"{stack.gateway.url}/v1/citizens/{nik}"
    auth = stack.officer_headers("benchmark")
    runs: dict[str, list[tuple[Result, float]]] = {"off": [], "on": []}
    try:
        for _ in range(2):
            for mode, env in (("off", plain), ("on", checkpointing)):
                _restart_gateway(stack, env)
                _warm(url, headers=auth)
                runs[mode].append(_measured(stack.gateway, url, 32, seconds, headers=auth))
    finally:
        _restart_gateway(stack, plain)
    written = len(witness.read_text(encoding="utf-8").splitlines()) if witness.exists() else 0
    rows = []
    cpu = {}
    for mode, label in (("off", "no checkpoints"), ("on", "checkpoint every 1 s + file witness")):
        results = runs[mode]
        rate = sum(r.rate for r, _ in results) / len(results)
        cpu[mode] = sum(c for _, c in results) / len(results)
        errors = sum(r.errors for r, _ in results)
        p99 = max(r.percentile(99) for r, _ in results)
        rows.append(f"| {label} | {rate:,.0f} | {p99:.1f} | {errors} | {cpu[mode]:.3f} | |")
    ratio = cpu["on"] / cpu["off"] if cpu["off"] else float("nan")
    ratios["checkpoint_cpu_ratio"] = ratio
    rows[-1] = rows[-1].removesuffix(" |") + f" {ratio:.3f} |"
    rows.append(f"| checkpoints in the witness file | {written} | | | | |")
    per_round = asyncio.run(
        _checkpoint_rounds(
            f"sqlite+aiosqlite:///{witness.parent}/rounds.db",
            witness.with_name("rounds.jsonl"),
            200,
        )
    )
    ratios["checkpoint_round_cpu_ms"] = per_round
    rows.append(
        f"| one checkpoint round, in process (200 rounds) | | | | {per_round:.3f} | "
        f"{per_round / 10:.3f} % of a core at 1 / s |"
    )
    return rows


async def _checkpoint_rounds(database_url: str, witness: Path, rounds: int) -> float:
    """CPU ms of one checkpointer round that has something to sign (read the head, sign,
    store, append with fsync), each after one record was appended; in this process, so
    nothing else on the machine is counted."""
    from pydantic import SecretStr

    from app.audit.checkpointer import build_checkpointer
    from app.config import Settings
    from app.db.migrate import apply_migrations
    from app.db.session import make_engine, make_sessionmaker
    from app.services.access_log import AccessEvent, AccessLog

    await apply_migrations(database_url)
    engine = make_engine(database_url)
    settings = Settings(
        database_url=database_url,
        audit_signing_key=SecretStr(new_seed()),
        audit_witnesses=[witness.as_uri()],
    )
    checkpointer = build_checkpointer(settings, make_sessionmaker(engine))
    assert checkpointer is not None
    access_log = AccessLog(engine)
    await access_log.start()
    spent = 0.0
    for number in range(rounds):
        await access_log.record(
            AccessEvent(f"bench-{number}", "bench", "citizen.profile", "complete", 200, 1, [])
        )
        started = time.process_time()
        assert await checkpointer.round() is not None
        spent += time.process_time() - started
    await access_log.stop()
    await checkpointer.stop()
    await engine.dispose()
    return spent * 1000 / rounds


def _audit_table(rows: list[str], seconds: float) -> list[str]:
    return [
        "## 5. Audit checkpoints: the cost of signing the chain head and exporting it",
        "",
        f"Combined profile read, 32 connections, {seconds:.0f} s runs, two runs per row "
        "alternating off and on (the gateway restarted for each). With checkpoints on, every "
        "process signs the chain head (Ed25519) each second if it moved, stores the "
        "checkpoint and appends it to a witness file with fsync. Ratio = CPU ms per request "
        "on / off; p99 is the worse of the two runs. The last row is the CPU one round "
        "costs (CPU ms per round, and at one round a second the share of a core), "
        "measured inside one process and so free of the machine's noise.",
        "",
        "| gateway | req/s | p99 ms | errors | CPU ms / request | CPU ratio on / off |",
        "|---|---|---|---|---|---|",
        *rows,
    ]


FEDERATION_LATENCY_MS = 50
FEDERATION_SLOWEST_MS = 80
#: The slowest office holds one of the `two_provinces` persona's vehicles (East Java's, here
#: in the XML dialect like every office of the provinces host) and the office taken down holds
#: the other (Jakarta's): neither is an office with nothing to say.
FEDERATION_SLOWEST = "35"
FEDERATION_DOWN = "31"
FEDERATION_FAN_OUT_BOUND = 1.2
FEDERATION_ROUTING_BOUND_MS = 0.5
#: Each timed run stops after this many requests or this many seconds, whichever is first.
FEDERATION_MAX_SECONDS = 60.0


def _federation_env(provinces_url: str, provinces: tuple[str, ...]) -> dict[str, str]:
    """The gateway's agencies by environment only (no conformance run, no admin call): the
    civil registry and OSS (their URLs are added by `plan`) and one tax office per province
    on the provinces host, nothing of the demo federation."""
    env = {
        **GATEWAY_ENV,
        "SATUPINTU_DEFAULT_AGENCIES": "false",
        "SATUPINTU_AGENCIES__CIVIL_REGISTRY__USERNAME": "satupintu",
        "SATUPINTU_AGENCIES__CIVIL_REGISTRY__PASSWORD": "satupintu-demo",
    }
    for province in provinces:
        prefix = f"SATUPINTU_AGENCIES__BAPENDA_{province}__"
        env[f"{prefix}BASE_URL"] = f"{provinces_url}/prov/{province}"
        env[f"{prefix}KIND"] = "vehicle_tax"
        env[f"{prefix}JURISDICTION"] = json.dumps([province])
        env[f"{prefix}NAME"] = f"Bapenda provinsi {province} (SAMSAT)"
    return env


def federation_stack(tmp: str) -> Stack:
    """The civil registry, OSS, the provinces host and a gateway that knows all 38 offices."""
    provinces_port = free_port()
    return plan(
        f"sqlite+aiosqlite:///{tmp}/federation.db",
        gateway_port=free_port(),
        agency_ports={code: free_port() for code in ("civil_registry", "investment_licensing")},
        gateway_env=_federation_env(f"http://{HOST}:{provinces_port}", PROVINCE_CODES),
        provinces_port=provinces_port,
    )


def _office_faults(stack: Stack, province: str, **faults: Any) -> None:
    url = f"{stack.province_url(province)}/_control/faults"
    reply = httpx.put(url, json=faults, timeout=5) if faults else httpx.delete(url, timeout=5)
    reply.raise_for_status()


def _sequential(url: str, headers: dict[str, str], requests: int) -> Result:
    """One connection, one request after another: `requests` of them, within the time cap."""
    return load(url, 1, FEDERATION_MAX_SECONDS, headers=headers, max_requests=requests)


def _one_office_gateway(stack: Stack, province: str) -> Process:
    """A second gateway over the same database, secrets and issuer (so the officer's token
    is good on both), knowing only `province`'s office besides the national agencies."""
    others = tuple(f"SATUPINTU_AGENCIES__BAPENDA_{p}__" for p in PROVINCE_CODES if p != province)
    env = {k: v for k, v in stack.gateway.env.items() if not k.startswith(others)}
    return Process(f"gateway-{province}", "app.main:create_app", free_port(), "/healthz", env, True)


def _plate_routing(stack: Stack, plate: str, requests: int, ratios: dict[str, float]) -> list[str]:
    """The plate lookup through the 38-office gateway and through one knowing only the
    plate's office, alternating in four rounds so the machine's drift lands on both sides."""
    auth = stack.officer_headers("benchmark")
    province = plate_regions(plate)[0][:2]
    rounds = 4
    with _started(_one_office_gateway(stack, province)) as single:
        urls = {
            "38": f"{stack.gateway.url}/v1/vehicles/{plate}",
            "1": f"{single.url}/v1/vehicles/{plate}",
        }
        for url in urls.values():
            _sequential(url, auth, 200)
        runs: dict[str, list[Result]] = {"38": [], "1": []}
        for _ in range(rounds):
            for side, url in urls.items():
                runs[side].append(_sequential(url, auth, requests // rounds))
    merged = {
        side: Result(
            requests=sum(r.requests for r in results),
            errors=sum(r.errors for r in results),
            seconds=sum(r.seconds for r in results),
            latencies_ms=[ms for r in results for ms in r.latencies_ms],
        )
        for side, results in runs.items()
    }
    difference = merged["38"].percentile(50) - merged["1"].percentile(50)
    ratios["federation_routing_ms"] = difference
    met = "yes" if difference <= FEDERATION_ROUTING_BOUND_MS else "no"
    rows = []
    for side, label in (("1", "gateway with the one office"), ("38", "routed among 38 offices")):
        result = merged[side]
        figure = (
            f"p50 difference {difference:+.2f} ms"
            if side == "38"
            else f"office `bapenda_{province}`"
        )
        rows.append(
            f"| plate `{plate}`, {label} | {result.requests:,} | {result.percentile(50):.2f} | "
            f"{result.percentile(99):.2f} | {max(result.latencies_ms):.1f} | {result.errors} | "
            f"{figure} | "
            + (f"<= {FEDERATION_ROUTING_BOUND_MS} ms | {met} |" if side == "38" else "| |")
        )
    return rows


def _vehicles_answers(url: str, headers: dict[str, str], count: int) -> list[httpx.Response]:
    with httpx.Client(timeout=10) as client:
        return [client.get(url, headers=headers) for _ in range(count)]


def federation(
    stack: Stack, requests: int, plate_requests: int, ratios: dict[str, float]
) -> list[str]:
    """Section 6 on a stack from `federation_stack`: a NIK-wide read fanned out to 38 offices,
    a plate routed among 38, and the NIK-wide read with one office down."""
    demo = personas()
    nik, plate = demo["two_provinces"].nik, demo["family"].plates[0]
    auth = stack.officer_headers("benchmark")
    url = f"{stack.gateway.url}/v1/citizens/{nik}/vehicles"
    first = httpx.get(url, headers=auth, timeout=10)
    first.raise_for_status()
    offices = len(first.json()["sources"])
    assert offices == len(PROVINCE_CODES), f"{offices} offices answered, not 38"
    rows = _plate_routing(stack, plate, plate_requests, ratios)
    deadline_ms = 3000  # the gateway's default request_deadline_ms
    slowest = f"bapenda_{FEDERATION_SLOWEST}"
    down = f"bapenda_{FEDERATION_DOWN}"
    try:
        for province in PROVINCE_CODES:
            latency = (
                FEDERATION_SLOWEST_MS if province == FEDERATION_SLOWEST else FEDERATION_LATENCY_MS
            )
            _office_faults(stack, province, latency_ms=latency)
        _sequential(url, auth, 20)
        all_up = _sequential(url, auth, requests)
        ratios["federation_fan_out"] = all_up.percentile(50) / FEDERATION_SLOWEST_MS
        _office_faults(stack, FEDERATION_DOWN, down=True)
        # The warm-up sees the office fail until its breaker opens; the timed run is the
        # steady state, with a half-open probe every `breaker_recovery_s`.
        _sequential(url, auth, 20)
        one_down = _sequential(url, auth, requests)
        ratios["federation_one_down"] = one_down.percentile(50) / FEDERATION_SLOWEST_MS
        checked = _vehicles_answers(url, auth, 20)
    finally:
        for province in PROVINCE_CODES:
            _office_faults(stack, province)
    bodies = [a.json() for a in checked if a.status_code == 200]
    partial = sum(1 for b in bodies if b["complete"] is False)
    down_status = sorted({b["sources"][down]["status"] for b in bodies})
    items = sorted({len(b["items"]) for b in bodies})
    ratios["federation_one_down_partial"] = float(
        partial == len(checked)
        and one_down.errors == 0
        and max(one_down.latencies_ms) < deadline_ms
    )
    for label, result, ratio in (
        (
            f"all 38 at {FEDERATION_LATENCY_MS} ms, `{slowest}` at {FEDERATION_SLOWEST_MS} ms",
            all_up,
            ratios["federation_fan_out"],
        ),
        (f"the same with `{down}` down", one_down, ratios["federation_one_down"]),
    ):
        met = "yes" if ratio <= FEDERATION_FAN_OUT_BOUND else "no"
        rows.append(
            f"| NIK-wide vehicles, {label} | {result.requests:,} | {result.percentile(50):.1f} | "
            f"{result.percentile(99):.1f} | {max(result.latencies_ms):.1f} | {result.errors} | "
            f"p50 / {FEDERATION_SLOWEST_MS} ms = {ratio:.3f} | <= {FEDERATION_FAN_OUT_BOUND} | "
            f"{met} |"
        )
    met = "yes" if ratios["federation_one_down_partial"] else "no"
    rows.append(
        f"| answers with `{down}` down, checked one by one | {len(checked)} | | | "
        f"{max(a.elapsed.total_seconds() for a in checked) * 1000:.1f} | "
        f"{sum(1 for a in checked if a.status_code != 200)} | "
        f"{partial} of {len(checked)} `complete: false`; `{down}` {', '.join(down_status)}; "
        f"{'/'.join(map(str, items))} of 2 vehicles | "
        f"200, partial, max < {deadline_ms} ms | {met} |"
    )
    return rows


def _federation_section(rows: list[str], requests: int, plate_requests: int) -> list[str]:
    return [
        "## 6. Federation at scale: 38 provincial tax offices",
        "",
        "A second stack: the civil registry, OSS and a gateway configured (by environment, "
        "`SATUPINTU_DEFAULT_AGENCIES=false`) with one `vehicle_tax` office per Kemendagri "
        "province, 38 in all, each its own agency instance with its own base URL, breaker "
        "and fault switch on the provinces host (`simulators.vehicle_tax.federation`). "
        "One connection, one request after another, after a warm-up. "
        f"A NIK-wide read (`GET /v1/citizens/{{nik}}/vehicles`, persona `two_provinces`) asks "
        f"all 38 at once: every office slowed to {FEDERATION_LATENCY_MS} ms and one (East "
        f"Java's) to {FEDERATION_SLOWEST_MS} ms, {requests} requests; then the same with "
        "Jakarta's office down (its breaker open after the warm-up). A plate lookup "
        "(`GET /v1/vehicles/{plate}`, persona `family`) is routed to the plate's one office "
        f"among 38, against a second gateway over the same database that knows only that "
        f"office: {plate_requests:,} requests each, alternating in four rounds, no injected "
        "latency. Max ms of the last row is the slowest of the answers checked one by one.",
        "",
        "| measurement | requests | p50 ms | p99 ms | max ms | errors | figure | target | met |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
    ]


def _federation_targets(ratios: dict[str, float]) -> list[tuple[str, float, bool]]:
    fan_out, one_down = ratios["federation_fan_out"], ratios["federation_one_down"]
    routing = ratios["federation_routing_ms"]
    bound = FEDERATION_FAN_OUT_BOUND
    return [
        (f"38 offices: NIK-wide p50 / slowest office <= {bound}", fan_out, fan_out <= bound),
        (
            f"38 offices: plate p50, routed - one office <= {FEDERATION_ROUTING_BOUND_MS} ms",
            routing,
            routing <= FEDERATION_ROUTING_BOUND_MS,
        ),
        (f"38 offices, one down: NIK-wide p50 / slowest <= {bound}", one_down, one_down <= bound),
        (
            "38 offices, one down: every answer 200, partial, within the deadline (1 = yes)",
            ratios["federation_one_down_partial"],
            ratios["federation_one_down_partial"] == 1,
        ),
    ]


_TARGETS_HEAD = ("| target | measured | met |", "|---|---|---|")


def _target_rows(checks: list[tuple[str, float, bool]]) -> list[str]:
    return [f"| {name} | {value:.2f} | {'yes' if met else 'no'} |" for name, value, met in checks]


def _checkpoint_target(ratios: dict[str, float]) -> tuple[str, float, bool]:
    share = ratios["checkpoint_round_cpu_ms"] / 10
    return ("checkpoint rounds at 1 / s, % of a core < 1", share, share < 1)


def _targets(ratios: dict[str, float]) -> list[tuple[str, float, bool]]:
    return [
        ("gateway / raw aiohttp >= 0.5", ratios["aiohttp"], ratios["aiohttp"] >= 0.5),
        ("gateway / plain httpx >= 5", ratios["httpx"], ratios["httpx"] >= 5),
        ("fan-out p50 / 80 ms <= 1.15", ratios["fan_out_80"], ratios["fan_out_80"] <= 1.15),
        (
            "RSS growth 10 s -> end < 5 %",
            ratios["memory_growth_percent"],
            ratios["memory_growth_percent"] < 5,
        ),
        _checkpoint_target(ratios),
        *_federation_targets(ratios),
    ]


def _fail_on_missed(checks: list[tuple[str, float, bool]]) -> None:
    """`make bench` exits non-zero when any target is missed, after its report is out, and
    says which: a target nobody is told about is not a target."""
    if reasons := products.missed(checks):
        typer.echo("\n".join(reasons), err=True)
        raise typer.Exit(1)


def _splice_federation(document: str, section: list[str], targets: list[str]) -> str:
    """`document` with section 6 put in (in place of an earlier one, else before the
    targets) and the 38-office rows of its targets table replaced by `targets`."""
    lines = document.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("## 6. ")), None)
    if start is None:
        start = lines.index("## Targets")
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), None)
        del lines[start : end if end is not None else len(lines)]
    lines[start:start] = [*section, ""]
    at = lines.index("## Targets")
    lines = [line for i, line in enumerate(lines) if i < at or not line.startswith("| 38 offices")]
    last = max(i for i in range(at, len(lines)) if lines[i].startswith("|"))
    lines[last + 1 : last + 1] = targets
    return "\n".join(lines) + "\n"


def _machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def main(
    seconds: Annotated[float, typer.Option(help="Length of each throughput run.")] = 10.0,
    memory_seconds: Annotated[float, typer.Option(help="Length of the memory run.")] = 60.0,
    federation_requests: Annotated[
        int, typer.Option(help="Requests of each NIK-wide run over 38 offices (section 6).")
    ] = 200,
    plate_requests: Annotated[
        int, typer.Option(help="Plate lookups through each gateway (section 6).")
    ] = 2000,
    product_calls: Annotated[
        int, typer.Option(help="Timed calls per adapter and mode (section 7).")
    ] = 5000,
    write_docs: Annotated[bool, typer.Option(help="Rewrite docs/performance.md.")] = True,
    only_audit: Annotated[
        bool, typer.Option(help="Measure only the audit checkpoints (section 5); print it.")
    ] = False,
    only_federation: Annotated[
        bool,
        typer.Option(
            help="Measure only the federation at scale (section 6); print it and, with "
            "--write-docs, put it into docs/performance.md in place of the earlier one."
        ),
    ] = False,
) -> None:
    demo = personas()
    nik, plate = demo["family"].nik, demo["family"].plates[0]
    ratios: dict[str, float] = {}
    load_at_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        if only_federation:
            typer.echo("measuring the federation at scale (38 offices) ...", err=True)
            with running(federation_stack(tmp)) as stack:
                rows = federation(stack, federation_requests, plate_requests, ratios)
            section = _federation_section(rows, federation_requests, plate_requests)
            checks = _federation_targets(ratios)
            targets = _target_rows(checks)
            typer.echo("\n".join([*section, "", *_TARGETS_HEAD, *targets]))
            if write_docs:
                document = DOCS.read_text(encoding="utf-8")
                DOCS.write_text(_splice_federation(document, section, targets), encoding="utf-8")
                typer.echo(f"wrote section 6 into {DOCS}", err=True)
            _fail_on_missed(checks)
            return
        stack = plan(
            f"sqlite+aiosqlite:///{tmp}/bench.db",
            gateway_port=free_port(),
            agency_ports={code: free_port() for code in AGENCY_PORTS},
            provinces_port=free_port(),
            gateway_env=GATEWAY_ENV,
        )
        witness = Path(tmp) / "witness.jsonl"
        with running(stack):
            if only_audit:
                typer.echo("measuring audit checkpoints ...", err=True)
                table = audit_checkpoints(stack, nik, seconds, witness, ratios)
                checks = [_checkpoint_target(ratios)]
                typer.echo("\n".join([*_audit_table(table, seconds), ""]))
                typer.echo("\n".join([*_TARGETS_HEAD, *_target_rows(checks)]))
                _fail_on_missed(checks)
                return
            typer.echo("measuring throughput ...", err=True)
            table1 = throughput(stack, nik, 32, seconds, ratios)
            typer.echo("measuring pass-through overhead ...", err=True)
            table2 = pass_through(stack, plate, seconds / 2)
            typer.echo("measuring fan-out latency ...", err=True)
            table3 = fan_out(stack, nik, seconds / 2, ratios)
            typer.echo(f"measuring memory over {memory_seconds:.0f} s ...", err=True)
            table4, _ = memory(stack, nik, memory_seconds, ratios)
            typer.echo("measuring audit checkpoints ...", err=True)
            table5 = audit_checkpoints(stack, nik, seconds, witness, ratios)
        typer.echo("measuring the federation at scale (38 offices) ...", err=True)
        with running(federation_stack(tmp)) as federated:
            table6 = federation(federated, federation_requests, plate_requests, ratios)
    typer.echo("measuring data products: declared against hand-written adapters ...", err=True)
    product_results = products.measure(product_calls)
    checks = [*_targets(ratios), *products.targets(products.ratios_of(product_results))]

    offices = len(_tax_offices(stack))
    plate_office = _office_of(plate)
    report = "\n".join(
        [
            "# Performance",
            "",
            f"Measured {dt.date.today().isoformat()} on {_machine()} with `make bench` "
            f"(`python -m bench.run`, {seconds:.0f} s runs; one-minute load average "
            f"{load_at_start:.1f} at the start and {os.getloadavg()[0]:.1f} at the end, "
            "whatever else ran included). The load generator, the gateway, the simulators and "
            "the references share the machine, so read the ratios.",
            "",
            "## 1. Combined profile read: gateway vs hand-written fan-out proxies",
            "",
            f"{offices + 3} agency calls per request (identity and family card from the civil "
            f"registry, the citizen's vehicles from each of the {offices} provincial tax "
            "offices of `make run`, one of them in East Java's JSON dialect, and the "
            "businesses from OSS), 32 connections. Each reference makes the same calls and "
            "runs right after a gateway run of its own; ratio = that gateway run's req/s / "
            "the reference's. "
            "The gateway runs as in production: bearer-token authentication, scope and purpose "
            "checks, the per-client rate limit, input validation and the hash-chained audit "
            "record written before each answer; the references do none of that. "
            "CPU ms / request is what the serving process itself (gateway or reference proxy) "
            "spent per answer, all its threads, read from /proc.",
            "",
            "| target | req/s | p50 ms | p99 ms | errors | CPU ms / request | gateway ratio |",
            "|---|---|---|---|---|---|---|",
            *table1,
            "",
            f"## 2. Pass-through overhead: one vehicle (`{plate}`) through the gateway vs "
            f"straight to its tax office (`{plate_office}`)",
            "",
            "| connections | direct p50 | gateway p50 | added p50 | direct p99 | gateway p99 "
            "| added p99 |",
            "|---|---|---|---|---|---|---|",
            *table2,
            "",
            "## 3. Fan-out latency: every agency slowed to L ms, one connection",
            "",
            "| L ms | gateway p50 ms | p50 / L |",
            "|---|---|---|",
            *table3,
            "",
            "## 4. Gateway memory under load",
            "",
            "| run | requests | peak RSS MiB | RSS at 10 s | RSS at end | growth 10 s -> end |",
            "|---|---|---|---|---|---|",
            *table4,
            "",
            *_audit_table(table5, seconds),
            "",
            *_federation_section(table6, federation_requests, plate_requests),
            "",
            *products.section(products.rows(product_results), product_calls, products.CONCURRENCY),
            "",
            "## Targets",
            "",
            "Measured with everything a production request pays for: bearer-token "
            "authentication, scope, purpose and rate-limit checks, validation, and the "
            "hash-chained audit record committed before the answer leaves.",
            "",
            *_TARGETS_HEAD,
            *_target_rows(checks),
            "",
        ]
    )
    typer.echo(report)
    if write_docs:
        DOCS.write_text(report, encoding="utf-8")
        typer.echo(f"wrote {DOCS}", err=True)
    _fail_on_missed(checks)


if __name__ == "__main__":
    typer.run(main)
