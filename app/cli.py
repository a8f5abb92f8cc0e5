"""`satupintu`: the operator's command line."""

import asyncio
import json
import signal
from pathlib import Path
from typing import Annotated

import typer

from app.config import get_settings
from app.db import migrate

cli = typer.Typer(help="satupintu gateway administration.", no_args_is_help=True)
openapi_cli = typer.Typer(help="The committed OpenAPI document.", no_args_is_help=True)
db_cli = typer.Typer(help="Database schema (Alembic).", no_args_is_help=True)
cli.add_typer(openapi_cli, name="openapi")
cli.add_typer(db_cli, name="db")

OPENAPI_PATH = Path("openapi/openapi.json")


def render_openapi() -> str:
    from app.main import create_app

    document = create_app().openapi()
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


@cli.command("worker")
def worker() -> None:
    """Advance service requests without serving HTTP; run several beside the gateway."""
    asyncio.run(_run_worker())


async def _run_worker() -> None:
    from app.runtime import build_worker, open_runtime

    runtime = await open_runtime(get_settings(), None)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    running = build_worker(runtime)
    running.start()
    typer.echo(f"{running.worker_id} advancing service requests; Ctrl-C stops it")
    await stop.wait()
    await running.stop()
    await runtime.close()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
