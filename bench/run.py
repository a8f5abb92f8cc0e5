"""`make bench`: the gateway against yardsticks measured in the same run, as ratios.

Everything runs as real processes on this machine: the three simulators, the gateway, and
three minimal fan-out proxies (`bench/references.py`) over the same simulators. The load
generator is `bench/load.py`. Ratios, not absolute numbers, are what carries across machines.
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
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from app.audit.checkpoints import new_seed
from bench.load import Result, load
from simulators.stack import AGENCY_PORTS, Process, Stack, free_port, plan, running
from simulators.world import personas

REFERENCES = ("httpx", "httpx_aiohttp", "aiohttp")
FAN_OUT_LATENCIES_MS = (20, 50, 80)
DOCS = Path(__file__).parents[1] / "docs" / "performance.md"


def _reference(kind: str, stack: Stack) -> Process:
    env = {
        "BENCH_CLIENT": kind,
        **{f"BENCH_{code.upper()}": p.url for code, p in stack.agencies.items()},
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
    rows = []
    direct_url = f"{stack.agencies['vehicle_tax'].url}/samsat/infopkb"
    gateway_url = f"{stack.gateway.url}/v1/vehicles/{plate}"
    auth = stack.officer_headers("benchmark")
    _warm(gateway_url, headers=auth)
    for concurrency in (1, 32):
        direct = load(direct_url, concurrency, seconds, "POST", data={"nopol": plate})
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


def _targets(ratios: dict[str, float]) -> list[str]:
    checks = [
        ("gateway / raw aiohttp >= 0.5", ratios["aiohttp"], ratios["aiohttp"] >= 0.5),
        ("gateway / plain httpx >= 5", ratios["httpx"], ratios["httpx"] >= 5),
        ("fan-out p50 / 80 ms <= 1.15", ratios["fan_out_80"], ratios["fan_out_80"] <= 1.15),
        (
            "RSS growth 10 s -> end < 5 %",
            ratios["memory_growth_percent"],
            ratios["memory_growth_percent"] < 5,
        ),
        (
            "checkpoint rounds at 1 / s, % of a core < 1",
            ratios["checkpoint_round_cpu_ms"] / 10,
            ratios["checkpoint_round_cpu_ms"] / 10 < 1,
        ),
    ]
    return [f"| {name} | {value:.2f} | {'yes' if met else 'no'} |" for name, value, met in checks]


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
    write_docs: Annotated[bool, typer.Option(help="Rewrite docs/performance.md.")] = True,
    only_audit: Annotated[
        bool, typer.Option(help="Measure only the audit checkpoints (section 5); print it.")
    ] = False,
) -> None:
    demo = personas()
    nik, plate = demo["family"].nik, demo["several_vehicles_overdue"].plates[0]
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as cleanup:
        stack = plan(
            f"sqlite+aiosqlite:///{tmp}/bench.db",
            gateway_port=free_port(),
            agency_ports={code: free_port() for code in AGENCY_PORTS},
            # Authentication, scopes, purpose, rate limiting and the audit chain all run; the
            # limit is set high so that it counts every request without refusing the load.
            gateway_env={
                "SATUPINTU_LOG_LEVEL": "WARNING",
                "SATUPINTU_RATE_LIMIT": "10000000/minute",
            },
        )
        cleanup.enter_context(running(stack))
        ratios: dict[str, float] = {}
        witness = Path(tmp) / "witness.jsonl"
        if only_audit:
            typer.echo("measuring audit checkpoints ...", err=True)
            typer.echo(
                "\n".join(
                    _audit_table(audit_checkpoints(stack, nik, seconds, witness, ratios), seconds)
                )
            )
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

    report = "\n".join(
        [
            "# Performance",
            "",
            f"Measured {dt.date.today().isoformat()} on {_machine()} with `make bench` "
            f"(`python -m bench.run`, {seconds:.0f} s runs). The load generator, the gateway, "
            "the simulators and the references share the machine, so read the ratios.",
            "",
            "## 1. Combined profile read: gateway vs hand-written fan-out proxies",
            "",
            "Four agency calls per request, 32 connections. Each reference runs right after a "
            "gateway run of its own; ratio = that gateway run's req/s / the reference's. "
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
            "## 2. Pass-through overhead: one vehicle through the gateway vs straight to SAMSAT",
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
            "## Targets",
            "",
            "Measured with everything a production request pays for: bearer-token "
            "authentication, scope, purpose and rate-limit checks, validation, and the "
            "hash-chained audit record committed before the answer leaves.",
            "",
            "| target | measured | met |",
            "|---|---|---|",
            *_targets(ratios),
            "",
        ]
    )
    typer.echo(report)
    if write_docs:
        DOCS.write_text(report, encoding="utf-8")
        typer.echo(f"wrote {DOCS}", err=True)


if __name__ == "__main__":
    typer.run(main)
