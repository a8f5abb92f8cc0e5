"""Section 7 of `make bench`: what fetching a data product by declaration costs against a
hand-written adapter doing the same.

One process, one pooled agency client (`build_http_client`, the production one), one BPJS
Kesehatan simulator started as its own process as `make run` starts it. Each adapter is asked
`fetch_product("health_insurance", nik)` for the simulator's members, after a warm-up, one
call after another and with several at once; the sides alternate in rounds so that drift of a
shared machine lands on both, and the ratio compared with the target is the median of the
rounds' own ratios, so a burst of another process's load in one round does not decide it.
What is measured is this process's CPU time per call (`time.process_time`): the simulator's
work is not in it, and neither is most of the machine's other load. The sides:

- **hand-written**: the example package's `BpjsKesehatanAdapter`, as a Python adapter is;
- **declared**: the adapter the gateway builds from `declarations/health_insurance.json`
  (request template, JMESPath mapping, the record checked against the product's schema);
- **adapter named by a declaration**: the example's declaration, whose `fetch` names the
  Python adapter; the gateway checks its records against the schema, as it runs in production.

The same calls are then replayed from recorded replies, so the mapping and validation alone
(no socket) are measured per call too.

`python -m bench.products` runs it alone and prints the table.
"""

import asyncio
import datetime as dt
import gc
import importlib
import json
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, cast
from urllib.parse import urlsplit, urlunsplit

import typer
from pydantic import SecretStr

from app.adapters.base import AdapterContext, ProductSource
from app.bus.registry import AdapterKind
from app.config import AgencyEndpoint, Settings
from app.http_client import AgencyHttp, AgencyReply, Params, Reply, build_http_client
from app.products.catalog import DataProduct
from app.products.declaration import ProductDeclaration
from app.products.declared_adapter import declared_kind
from app.products.secrets import SecretResolver
from simulators.bpjs_kesehatan.members import FIXED
from simulators.stack import PRODUCT_HOSTS, Process, free_port

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "satupintu-bpjs-adapter"
DECLARATION = REPO / "declarations" / "health_insurance.json"
EXAMPLE_DECLARATION = EXAMPLE / "health_insurance.json"
PRODUCT = "health_insurance"
SIMULATOR = "bpjs_kesehatan"
SECRET_REF = "BPJS_CONS_KEY"
CPU_BOUND = 1.2
CONCURRENCY = 16
ROUNDS = 40
HAND_WRITTEN = "hand-written (example package)"
DECLARED = "declared (`declarations/health_insurance.json`)"
NAMED = "adapter named by a declaration, records checked"
REPLAYED = "replayed, no HTTP"
#: Why the replayed rows carry no target, printed under them wherever they are shown.
NOT_THE_TARGET = (
    "The replayed rows are not the target: CPU per call, as issue #17 states it, includes the "
    "HTTP exchange, and they leave it out to show where the adapter's own work goes."
)


class Recorder:
    """An `AgencyHttp` that answers each distinct request with the reply the real client gave
    it the first time: replayed, an adapter does all its own work except the socket's."""

    def __init__(self, http: AgencyHttp) -> None:
        self._http = http
        self._replies: dict[tuple[str, str, tuple[tuple[str, str | int], ...]], Reply] = {}

    async def _send(
        self, method: str, url: str, params: Params | None, send: Callable[[], Any]
    ) -> AgencyReply:
        key = (method, url, tuple(sorted((params or {}).items())))
        reply = self._replies.get(key)
        if reply is None:
            real: AgencyReply = await send()
            reply = Reply(real.status_code, real.reason_phrase, real.content)
            self._replies[key] = reply
        return reply

    async def get(
        self, url: str, *, params: Params | None = None, headers: Mapping[str, str] | None = None
    ) -> AgencyReply:
        return await self._send(
            "GET", url, params, lambda: self._http.get(url, params=params, headers=headers)
        )

    async def post(self, url: str, *, params: Params | None = None, **kwargs: Any) -> AgencyReply:
        return await self._send(
            "POST", url, params, lambda: self._http.post(url, params=params, **kwargs)
        )

    async def put(self, url: str, *, params: Params | None = None, **kwargs: Any) -> AgencyReply:
        return await self._send(
            "PUT", url, params, lambda: self._http.put(url, params=params, **kwargs)
        )

    async def aclose(self) -> None:
        await self._http.aclose()


@dataclass(frozen=True)
class Measured:
    label: str
    mode: str
    calls: int
    cpu_ms: float
    rounds: tuple[float, ...]
    """CPU ms per call in each round, in order: the rounds of two sides ran side by side."""


def _example_adapter() -> Any:
    """The example package's adapter class, imported from the checkout (it is not installed
    in `.venv`, and nothing in the gateway names it)."""
    if str(EXAMPLE) not in sys.path:
        sys.path.insert(0, str(EXAMPLE))
    return importlib.import_module("satupintu_bpjs.adapter").BpjsKesehatanAdapter


def _pointed_at(document: dict[str, Any], url: str) -> ProductDeclaration:
    """The declaration with each source's base URL moved to the simulator's host and port,
    its path kept."""
    declaration = ProductDeclaration.model_validate(document)
    host = urlsplit(url)
    sources = []
    for source in declaration.sources:
        declared = urlsplit(str(source.base_url))
        moved = urlunsplit((host.scheme, host.netloc, declared.path, "", ""))
        sources.append(source.model_copy(update={"base_url": moved}))
    return declaration.model_copy(update={"sources": sources})


def _product(declaration: ProductDeclaration) -> DataProduct:
    return DataProduct(declaration, 1, dt.datetime.now(dt.UTC), "bench")


def _adapters(url: str, key: str, http: AgencyHttp) -> dict[str, ProductSource]:
    """The three sides, each built the way the gateway builds it, over `http`."""
    example = _example_adapter()
    installed = {SIMULATOR: AdapterKind(SIMULATOR, example, "example")}
    resolver = SecretResolver({f"SATUPINTU_AGENCY_SECRET_{SECRET_REF}": key})
    built = {}
    for label, path in ((DECLARED, DECLARATION), (NAMED, EXAMPLE_DECLARATION)):
        declaration = _pointed_at(json.loads(path.read_text(encoding="utf-8")), url)
        kind = declared_kind(_product(declaration), installed.get, resolver)
        [source] = declaration.sources
        endpoint = AgencyEndpoint(base_url=str(source.base_url), timeout_ms=source.timeout_ms)
        adapter = kind.factory(AdapterContext(source.agency.code, endpoint, http))
        built[label] = cast(ProductSource, adapter)
    [source] = _pointed_at(json.loads(DECLARATION.read_text(encoding="utf-8")), url).sources
    endpoint = AgencyEndpoint(base_url=str(source.base_url), password=SecretStr(key))
    return {HAND_WRITTEN: example(AdapterContext(SIMULATOR, endpoint, http)), **built}


async def _cpu_ms(adapter: ProductSource, niks: list[str], calls: int, concurrency: int) -> float:
    """CPU milliseconds of this process per call, `concurrency` calls in flight."""
    pending = iter(range(calls))

    async def worker() -> None:
        for number in pending:
            await adapter.fetch_product(PRODUCT, niks[number % len(niks)])

    gc.collect()
    started = time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return (time.process_time() - started) * 1000 / calls


async def _alternating(
    adapters: dict[str, ProductSource], niks: list[str], calls: int, concurrency: int, mode: str
) -> list[Measured]:
    for adapter in adapters.values():
        await _cpu_ms(adapter, niks, max(calls // 10, len(niks)), concurrency)
    spent: dict[str, list[float]] = {label: [] for label in adapters}
    order = list(adapters)
    for round_number in range(ROUNDS):
        # Every other round runs the sides in reverse, so that whatever a side leaves behind
        # for the next (garbage, a colder cache) is not always paid by the same side.
        for label in order if round_number % 2 == 0 else order[::-1]:
            spent[label].append(await _cpu_ms(adapters[label], niks, calls // ROUNDS, concurrency))
    return [
        Measured(label, mode, calls, statistics.fmean(cpu), tuple(cpu))
        for label, cpu in spent.items()
    ]


async def _same_records(adapters: dict[str, ProductSource], niks: list[str]) -> None:
    """A benchmark of adapters that disagree would measure nothing: every side must give the
    same records for every NIK before any is timed."""
    for nik in niks:
        answers = [await a.fetch_product(PRODUCT, nik) for a in adapters.values()]
        if any(answer != answers[0] for answer in answers):
            raise SystemExit(f"the adapters disagree on {nik}: {answers}")


@contextmanager
def _gateway_secret(key: str) -> Iterator[None]:
    """The consumer key where the gateway keeps it, for the adapter a declaration names (it
    reads it from there, as it would in the gateway's process)."""
    variable = f"SATUPINTU_AGENCY_SECRET_{SECRET_REF}"
    before = os.environ.get(variable)
    os.environ[variable] = key
    try:
        yield
    finally:
        if before is None:
            del os.environ[variable]
        else:
            os.environ[variable] = before


async def measure_against(url: str, key: str, calls: int, concurrency: int) -> list[Measured]:
    settings = Settings(agency_url_allowlist=[urlsplit(url).hostname or ""])
    http = build_http_client(settings)
    recorder = Recorder(http)
    try:
        niks = list(FIXED)
        live = _adapters(url, key, http)
        await _same_records(live, niks)
        results = await _alternating(live, niks, calls, 1, "one at a time")
        results += await _alternating(live, niks, calls, concurrency, f"{concurrency} at once")
        replayed = _adapters(url, key, recorder)
        await _same_records(replayed, niks)
        results += await _alternating(replayed, niks, calls, 1, REPLAYED)
    finally:
        await http.aclose()
    return results


@contextmanager
def simulator(key: str) -> Iterator[Process]:
    """The BPJS Kesehatan simulator as `make run` starts it, on a free port, with its own
    consumer key."""
    configured = PRODUCT_HOSTS[SIMULATOR]
    process = Process(
        SIMULATOR,
        configured.target,
        free_port(),
        configured.health_path,
        {**configured.env, "SIM_API_KEY": key},
    )
    process.start()
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()


def measure(calls: int, concurrency: int = CONCURRENCY) -> list[Measured]:
    key = secrets.token_urlsafe(24)
    with simulator(key) as process, _gateway_secret(key):
        return asyncio.run(measure_against(process.url, key, calls, concurrency))


def _ratio(side: Measured, hand: Measured) -> float:
    """The median of the rounds' own ratios to the hand-written side's."""
    return statistics.median(a / b for a, b in zip(side.rounds, hand.rounds, strict=True))


def ratios_of(results: list[Measured]) -> dict[str, float]:
    """declared / hand-written CPU per call, for each mode."""
    by = {(m.mode, m.label): m for m in results}
    return {
        mode: _ratio(by[(mode, DECLARED)], by[(mode, HAND_WRITTEN)])
        for mode in dict.fromkeys(m.mode for m in results)
    }


def rows(results: list[Measured]) -> list[str]:
    hand = {m.mode: m for m in results if m.label == HAND_WRITTEN}
    return [
        f"| {_mode_cell(m.mode)} | {m.label} | {m.calls:,} | {m.cpu_ms:.3f} | "
        f"{_ratio(m, hand[m.mode]):.2f} |"
        for m in results
    ]


def _mode_cell(mode: str) -> str:
    return f"{mode} (not the target)" if mode == REPLAYED else mode


def section(table: list[str], calls: int, concurrency: int) -> list[str]:
    return [
        "## 7. Data products: a declared adapter against a hand-written one",
        "",
        '`fetch_product("health_insurance", nik)` for the BPJS Kesehatan simulator\'s members, '
        f"{calls:,} calls per row after a warm-up, in {ROUNDS} rounds alternating the sides, "
        f"one at a time and {concurrency} at once, in one process over the production agency "
        "client; CPU ms per call is that process's own CPU time (`time.process_time`), so the "
        "simulator's work is not in it. *Hand-written* is the example package's Python "
        "adapter (no schema check); *declared* is built from "
        "`declarations/health_insurance.json` (request template, JMESPath mapping, the "
        "record checked against the product's JSON Schema); the third is the example's "
        "declaration, which names the Python adapter, as the gateway runs it (records "
        "checked). The replayed rows answer every call from recorded replies: the adapter's "
        "own work without the socket. Every side gave the same records for every NIK first. "
        "CPU ms per call is the mean over the rounds; the ratio is the median of the rounds' "
        "own ratios, each round's sides measured one after the other.",
        "",
        "| mode | adapter | calls | CPU ms / call | ratio to hand-written (median) |",
        "|---|---|---|---|---|",
        *table,
        "",
        NOT_THE_TARGET,
    ]


def targets(ratios: Mapping[str, float]) -> list[tuple[str, float, bool]]:
    return [
        (f"declared / hand-written CPU per call, {mode} <= {CPU_BOUND}", ratio, ratio <= CPU_BOUND)
        for mode, ratio in ratios.items()
        if mode != REPLAYED
    ]


def missed(checks: list[tuple[str, float, bool]]) -> list[str]:
    """One line per target not met, naming it and what was measured: the reason a bench run
    fails, so that a slower gateway cannot pass unnoticed."""
    return [
        f"target missed: {name} (measured {value:.2f})" for name, value, met in checks if not met
    ]


def main(
    calls: Annotated[int, typer.Option(help="Timed calls per adapter and mode.")] = 5000,
    concurrency: Annotated[int, typer.Option(help="Calls in flight at once.")] = CONCURRENCY,
) -> None:
    results = measure(calls, concurrency)
    typer.echo("\n".join(section(rows(results), calls, concurrency)))
    typer.echo("")
    typer.echo("| target | measured | met |\n|---|---|---|")
    checks = targets(ratios_of(results))
    for name, value, met in checks:
        typer.echo(f"| {name} | {value:.2f} | {'yes' if met else 'no'} |")
    if reasons := missed(checks):
        typer.echo("\n".join(reasons), err=True)
        raise typer.Exit(1)


if __name__ == "__main__":
    typer.run(main)
