"""`satupintu`: the operator's command line."""

import asyncio
import datetime as dt
import json
import signal
from collections.abc import Awaitable, Callable
from dataclasses import replace
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.clients import Client, ClientError, ClientStore, IssuedCredentials
from app.auth.product_scopes import refuse_ungrantable
from app.auth.scopes import BUILT_IN_SCOPES, ClientKind
from app.config import get_settings
from app.db import migrate
from app.products.commands import products_cli

if TYPE_CHECKING:
    from app.audit.checkpoints import Checkpoint, CheckpointSigner

T = TypeVar("T")

cli = typer.Typer(help="satupintu gateway administration.", no_args_is_help=True)
openapi_cli = typer.Typer(help="The committed OpenAPI document.", no_args_is_help=True)
db_cli = typer.Typer(help="Database schema (Alembic).", no_args_is_help=True)
cli.add_typer(openapi_cli, name="openapi")
cli.add_typer(db_cli, name="db")
adapters_cli = typer.Typer(help="Agency adapters on the bus.", no_args_is_help=True)
cli.add_typer(adapters_cli, name="adapters")
clients_cli = typer.Typer(help="API clients and their credentials.", no_args_is_help=True)
cli.add_typer(clients_cli, name="clients")
audit_cli = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)
cli.add_typer(audit_cli, name="audit")
keys_cli = typer.Typer(help="The keys that sign access tokens.", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")
secrets_cli = typer.Typer(help="The gateway's own secrets.", no_args_is_help=True)
cli.add_typer(secrets_cli, name="secrets")
cli.add_typer(products_cli, name="products")

OPENAPI_PATH = Path("openapi/openapi.json")


def render_openapi() -> str:
    from app.main import assemble_app

    document = assemble_app(get_settings()).openapi()
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


@openapi_cli.command("write")
def openapi_write(
    path: Annotated[Path, typer.Option(help="Where to write it.")] = OPENAPI_PATH,
) -> None:
    """Regenerate the document from the code."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_openapi(), encoding="utf-8")
    typer.echo(f"wrote {path}")


@openapi_cli.command("check")
def openapi_check(
    path: Annotated[Path, typer.Option(help="The committed document.")] = OPENAPI_PATH,
) -> None:
    """Fail when the committed document differs from what the app serves."""
    committed = path.read_text(encoding="utf-8") if path.exists() else ""
    if committed != render_openapi():
        typer.echo(f"{path} is out of date: run `make openapi` and commit it.", err=True)
        raise typer.Exit(1)
    typer.echo(f"{path} matches the app.")


@db_cli.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to a revision."""
    migrate.upgrade(get_settings().database_url, revision)


@db_cli.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Undo migrations down to a revision (`base` for none)."""
    migrate.downgrade(get_settings().database_url, revision)


@adapters_cli.command("list")
def adapters_list() -> None:
    """The adapters installed in this environment (entry points), configured or not."""
    from app.bus.registry import ENTRY_POINT_GROUP

    for entry in entry_points(group=ENTRY_POINT_GROUP):
        version = entry.dist.version if entry.dist else "unknown"
        typer.echo(f"{entry.name:<24} {version:<10} {entry.value}")


@adapters_cli.command("check")
def adapters_check(
    code: Annotated[str, typer.Argument(help="The agency code, e.g. vehicle_tax.")],
    base_url: Annotated[
        str | None, typer.Option(help="Check this endpoint instead of the configured one.")
    ] = None,
) -> None:
    """Run the conformance suite against an adapter and its live backend."""
    passed = asyncio.run(_check(code, base_url))
    raise typer.Exit(0 if passed else 1)


async def _check(code: str, base_url: str | None) -> bool:
    import httpx
    from rich.console import Console
    from rich.table import Table

    from app.agencies.conformance import CheckResult, check_agency
    from app.bus.registry import AdapterRegistry, InstanceSpec
    from app.config import AgencyEndpoint

    console = Console()
    settings = get_settings()
    configured = {c: InstanceSpec.from_settings(c, a) for c, a in settings.agencies.items()}
    async with httpx.AsyncClient() as http:
        registry = AdapterRegistry.discover(configured.values(), http)
        spec = configured.get(code)
        if spec is None and registry.kind(code) is not None and base_url is not None:
            spec = InstanceSpec(code=code, kind=code, endpoint=AgencyEndpoint(base_url=base_url))
        if spec is None or registry.kind(spec.kind) is None:
            console.print(
                f"[red]{code!r} is neither a configured agency nor an installed adapter kind "
                "(a kind needs --base-url)[/red]"
            )
            return False
        if base_url:
            spec = replace(spec, endpoint=spec.endpoint.model_copy(update={"base_url": base_url}))
        console.print(f"checking [bold]{code}[/bold] against {spec.endpoint.base_url}")

        def progress(result: CheckResult) -> None:
            mark = "[green]pass[/green]" if result.passed else "[red]FAIL[/red]"
            console.print(f"  {mark}  {result.name}  [dim]{result.duration_ms} ms[/dim]")

        results = await check_agency(registry, spec, on_result=progress)
    failed = [r for r in results if not r.passed]
    table = Table(title=f"{code}: {len(results) - len(failed)} of {len(results)} checks passed")
    for column in ("check", "result", "detail"):
        table.add_column(column)
    for result in results:
        table.add_row(result.name, "pass" if result.passed else "FAIL", result.detail)
    console.print(table)
    return not failed


async def _with_sessions(use: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]) -> T:
    from app.db.session import make_engine, make_sessionmaker

    settings = get_settings()
    if settings.auto_migrate:
        await migrate.apply_migrations(settings.database_url)
    engine = make_engine(settings.database_url)
    await migrate.ensure_current(engine, settings.database_url)
    try:
        return await use(make_sessionmaker(engine))
    finally:
        await engine.dispose()


def _shown(issued: IssuedCredentials) -> dict[str, object]:
    return {
        "client_id": issued.client.client_id,
        "client_secret": issued.secret,
        "api_key": issued.api_key,
        "kind": issued.client.kind.value,
        "scopes": sorted(issued.client.scopes),
    }


def _show_credentials(issued: IssuedCredentials, as_json: bool) -> None:
    shown = _shown(issued)
    if as_json:
        typer.echo(json.dumps(shown))
        return
    for name, value in shown.items():
        if value is not None:
            typer.echo(f"{name:<14} {' '.join(value) if isinstance(value, list) else value}")
    typer.echo("The secret is shown only now; store it.", err=True)


AsJson = Annotated[bool, typer.Option("--json", help="One JSON object, for scripts.")]


_SCOPE_HELP = (
    "Repeat for each scope the client may have: a built-in one "
    f"({', '.join(sorted(BUILT_IN_SCOPES))}) or a registered data product's `<name>:read`."
)


@clients_cli.command("create")
def clients_create(
    name: Annotated[str, typer.Argument(help="A name people recognise, e.g. 'SAMSAT counter'.")],
    kind: Annotated[ClientKind, typer.Option(help="officer, portal, kiosk or system.")],
    scope: Annotated[list[str], typer.Option(help=_SCOPE_HELP)],
    api_key: Annotated[
        bool, typer.Option(help="Also accept `X-API-Key` (system clients only).")
    ] = False,
    client_id: Annotated[str | None, typer.Option(help="Choose the id yourself.")] = None,
    as_json: AsJson = False,
) -> None:
    """Register a client and print its secret (once)."""

    async def create(sessions: async_sessionmaker[AsyncSession]) -> IssuedCredentials:
        await refuse_ungrantable(sessions, scope)
        return await ClientStore(sessions, 0).create(
            name, kind, scope, api_key_enabled=api_key, client_id=client_id
        )

    _show_credentials(_run_client_change(create), as_json)


@clients_cli.command("grant")
def clients_grant(
    client_id: str, scope: Annotated[list[str], typer.Option(help=_SCOPE_HELP)]
) -> None:
    """Give a client more scopes (a data product's, say); its next token may carry them."""

    async def grant(sessions: async_sessionmaker[AsyncSession]) -> Client:
        await refuse_ungrantable(sessions, scope)
        return await ClientStore(sessions, 0).grant(client_id, scope)

    _show_scopes(_run_client_change(grant))


@clients_cli.command("revoke")
def clients_revoke(
    client_id: str,
    scope: Annotated[list[str], typer.Option(help="Repeat for each scope to take away.")],
) -> None:
    """Take scopes away from a client (a removed product's too); tokens issued before keep
    them until they expire."""

    async def revoke(sessions: async_sessionmaker[AsyncSession]) -> Client:
        return await ClientStore(sessions, 0).revoke(client_id, scope)

    _show_scopes(_run_client_change(revoke))


def _show_scopes(client: Client) -> None:
    typer.echo(f"{client.client_id} {' '.join(sorted(client.scopes))}")


@clients_cli.command("demo")
def clients_demo() -> None:
    """Create the demo clients `make run` uses, or give them new secrets; print them as JSON."""
    from app.auth.demo import demo_credentials

    async def demo(sessions: async_sessionmaker[AsyncSession]) -> list[IssuedCredentials]:
        return await demo_credentials(ClientStore(sessions, 0))

    typer.echo(json.dumps([_shown(issued) for issued in asyncio.run(_with_sessions(demo))]))


@clients_cli.command("rotate")
def clients_rotate(client_id: str, as_json: AsJson = False) -> None:
    """Give a client a new secret; the old one stops working."""

    async def rotate(sessions: async_sessionmaker[AsyncSession]) -> IssuedCredentials:
        return await ClientStore(sessions, 0).rotate(client_id)

    _show_credentials(_run_client_change(rotate), as_json)


@clients_cli.command("disable")
def clients_disable(client_id: str) -> None:
    """Refuse the client's secret and API key from now on (issued tokens run out by expiry)."""

    async def disable(sessions: async_sessionmaker[AsyncSession]) -> object:
        return await ClientStore(sessions, 0).set_enabled(client_id, False)

    _run_client_change(disable)
    typer.echo(f"{client_id} disabled")


@clients_cli.command("list")
def clients_list() -> None:
    """Every registered client (secrets are never shown again)."""

    async def every(sessions: async_sessionmaker[AsyncSession]) -> list[Client]:
        return await ClientStore(sessions, 0).all()

    for client in asyncio.run(_with_sessions(every)):
        state = "enabled" if client.enabled else "disabled"
        typer.echo(
            f"{client.client_id:<32} {client.kind.value:<8} {state:<9} "
            f"{' '.join(sorted(client.scopes))}"
        )


def _run_client_change(change: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]) -> T:
    try:
        return asyncio.run(_with_sessions(change))
    except ClientError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc


def _expected_head(value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    seq, _, head_hash = value.partition(":")
    if not (
        seq.isdigit() and len(head_hash) == 64 and all(c in "0123456789abcdef" for c in head_hash)
    ):
        raise typer.BadParameter("SEQ:HASH, e.g. 1234:<64 hex digits>")
    return int(seq), head_hash


def _signer_or_exit() -> "CheckpointSigner":
    from app.audit.checkpoints import CheckpointSigner

    key = get_settings().audit_signing_key
    if key is None:
        typer.echo(
            "SATUPINTU_AUDIT_SIGNING_KEY is not set: there is no key to sign with.", err=True
        )
        raise typer.Exit(2)
    return CheckpointSigner(key.get_secret_value())


@audit_cli.command("verify")
def audit_verify(
    expected_head: Annotated[
        str | None,
        typer.Option(help="SEQ:HASH kept outside the database: record SEQ must have HASH."),
    ] = None,
    checkpoints: Annotated[
        list[Path] | None,
        typer.Option(help="A witness file of checkpoints (JSON lines); repeat for several."),
    ] = None,
    public_key: Annotated[
        list[Path] | None,
        typer.Option(
            help="A checkpoint public key (JWK or PEM) to verify with; repeat for several. "
            "Default: the configured signing key's."
        ),
    ] = None,
) -> None:
    """Walk the whole chain and hold it against the signed checkpoints (the database's and
    the witness files') and an expected head; exit 1 naming the first broken link, a
    truncation, a wipe, a re-seal or a forged checkpoint."""
    from app.audit.checkpoints import load_public_key
    from app.audit.verify import verify_against

    anchor = _expected_head(expected_head)
    keys = [load_public_key(path.read_text(encoding="utf-8")) for path in public_key or []]
    if not keys and get_settings().audit_signing_key is not None:
        keys = [_signer_or_exit().public_key]
    if checkpoints and not keys:
        typer.echo(
            "checkpoints can only be trusted once verified: pass --public-key or set "
            "SATUPINTU_AUDIT_SIGNING_KEY",
            err=True,
        )
        raise typer.Exit(2)
    report = asyncio.run(
        _with_sessions(lambda sessions: verify_against(sessions, keys, checkpoints or [], anchor))
    )
    if report.broken_at is not None:
        where = f" (row id {report.record_id})" if report.record_id is not None else ""
        typer.echo(f"BROKEN at record {report.broken_at}{where}: {report.reason}", err=True)
    for problem in report.problems:
        typer.echo(f"{problem.finding.value}: {problem.message}", err=True)
    if not report.intact:
        raise typer.Exit(1)
    typer.echo(
        f"intact: {report.records} records; head {report.head_seq} {report.head_hash}; "
        f"held against {report.anchors} signed checkpoints or expected heads"
    )
    if not report.anchors:
        typer.echo(
            "Nothing outside the database vouched for the chain: a truncation, wipe or "
            "re-seal would pass. Configure a signing key and a witness, and pass "
            "--checkpoints.",
            err=True,
        )


@audit_cli.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the chain head now, store the checkpoint and give it to every witness."""
    from app.audit.checkpointer import build_checkpointer

    _signer_or_exit()

    async def now(sessions: async_sessionmaker[AsyncSession]) -> "Checkpoint | None":
        checkpointer = build_checkpointer(get_settings(), sessions)
        assert checkpointer is not None
        try:
            return await checkpointer.round(force=True)
        finally:
            await checkpointer.stop()

    checkpoint = asyncio.run(_with_sessions(now))
    if checkpoint is None:
        typer.echo(
            "the head stands behind the newest checkpoint: run `satupintu audit verify`", err=True
        )
        raise typer.Exit(1)
    typer.echo(checkpoint.line())


@audit_cli.command("export")
def audit_export(
    to: Annotated[Path, typer.Option("--to", help="The file to write, one JSON line each.")],
) -> None:
    """Every checkpoint in the database, as a witness keeps them: for a new witness, or one
    that missed some."""
    from app.audit.checkpoints import stored

    every = asyncio.run(_with_sessions(stored))
    to.write_text("".join(c.line() + "\n" for c in every), encoding="utf-8")
    typer.echo(f"wrote {len(every)} checkpoints to {to}")


@audit_cli.command("public-key")
def audit_public_key() -> None:
    """The public half of the signing key, as a JWK: what a witness needs to verify
    checkpoints (`satupintu audit verify --public-key FILE`)."""
    typer.echo(json.dumps(_signer_or_exit().public_jwk()))


@keys_cli.command("rotate")
def keys_rotate() -> None:
    """Sign new tokens with a new key; the old one verifies until its last token expires."""
    from app.agencies.secrets import SecretBox
    from app.auth.signing_keys import KeyInfo, rotate
    from app.runtime import token_key_overlap
    from app.secret_settings import secret

    settings = get_settings()
    box = SecretBox(secret(settings, "secret_key"))

    async def change(sessions: async_sessionmaker[AsyncSession]) -> KeyInfo:
        return await rotate(sessions, box, token_key_overlap(settings))

    made = asyncio.run(_with_sessions(change))
    typer.echo(
        f"{made.kid} signs new tokens from now on (every gateway process within "
        f"{settings.agency_refresh_interval_ms} ms); the keys before it verify until the "
        "tokens they signed have expired"
    )


@keys_cli.command("list")
def keys_list() -> None:
    """Every signing key: state (active, retired, expired), created, published until."""
    from app.auth.signing_keys import every_key

    for key in asyncio.run(_with_sessions(every_key)):
        until = key.published_until.isoformat(timespec="seconds") if key.published_until else "-"
        typer.echo(
            f"{key.kid:<24} {key.state:<8} {key.created_at.isoformat(timespec='seconds')}  {until}"
        )


@secrets_cli.command("generate")
def secrets_generate() -> None:
    """Fresh random secrets as environment lines, for an env file or a secret store."""
    from app.secret_settings import fresh_secrets

    for name, value in fresh_secrets().items():
        typer.echo(f"{name}={value}")


@cli.command("report")
def report(
    agency: Annotated[str | None, typer.Option(help="One agency's code.")] = None,
    start: Annotated[
        dt.datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], help="First day; 29 days before --to."),
    ] = None,
    end: Annotated[
        dt.datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day; today.")
    ] = None,
    chart: Annotated[
        Path | None, typer.Option(help="Also write the daily trend per agency: .png or .html.")
    ] = None,
) -> None:
    """Each agency and service against its published standard, as GET /v1/reports/performance."""
    asyncio.run(
        _report(agency, start.date() if start else None, end.date() if end else None, chart)
    )


async def _report(
    agency: str | None, start: dt.date | None, end: dt.date | None, chart: Path | None
) -> None:
    from rich.console import Console

    from app.problems import ProblemError
    from app.reports.render import performance_table, trend_chart
    from app.runtime import open_runtime
    from app.services.reports import Reports, performance

    runtime = await open_runtime(get_settings(), None)
    try:
        reports = Reports(runtime.sessions, runtime.registry, runtime.call_log)
        whole = await performance(reports, agency, start, end)
        Console().print(performance_table(whole))
        if chart is not None:
            day, days = whole.period.start, []
            while day <= whole.period.end:
                days.append((day, await performance(reports, agency, day, day)))
                day += dt.timedelta(days=1)
            trend_chart(days, chart)
            typer.echo(f"wrote {chart}")
    except ProblemError as exc:
        typer.echo(str(exc.detail), err=True)
        raise typer.Exit(2) from exc
    finally:
        await runtime.close()


@cli.command("worker")
def worker() -> None:
    """Advance service requests and complaints without serving HTTP; run several beside
    the gateway."""
    asyncio.run(_run_worker())


async def _run_worker() -> None:
    from app.audit.checkpointer import build_checkpointer
    from app.heap import settled_heap
    from app.runtime import build_courier, build_worker, open_runtime
    from app.secret_settings import secured

    runtime = await open_runtime(secured(get_settings()), None)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    running = build_worker(runtime)
    courier = build_courier(runtime)
    checkpointer = build_checkpointer(runtime.settings, runtime.sessions)
    running.start()
    courier.start()
    runtime.product_watcher.start()  # declared complaint desks come and go with their products
    if checkpointer:
        checkpointer.start()
    typer.echo(f"{running.worker_id} advancing service requests and complaints; Ctrl-C stops it")
    with settled_heap():
        await stop.wait()
    await courier.stop()
    await running.stop()
    await runtime.product_watcher.stop()
    if checkpointer:
        await checkpointer.stop()
    await runtime.close()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
