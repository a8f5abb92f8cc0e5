"""`satupintu products`: data product declarations kept under version control, applied by an
operator. Each command runs in its own process, through the same store and checks as the
admin API, with the author `operator:<name>`; running gateways pick the change up through
their watcher within the refresh interval."""

import asyncio
import getpass
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from pydantic import ValidationError

if TYPE_CHECKING:
    from app.problems import ProblemError
    from app.products.store import ProductStore, Registration

T = TypeVar("T")

products_cli = typer.Typer(
    help="Data products by declaration: apply, check, list, roll back, remove.",
    no_args_is_help=True,
)

Files = Annotated[list[Path], typer.Argument(help="Declaration files (JSON).", exists=True)]
Author = Annotated[
    str | None,
    typer.Option(help="Who makes the change, recorded as `operator:<NAME>`; default: $USER."),
]


def _author(name: str | None) -> str:
    return f"operator:{name or os.environ.get('USER') or getpass.getuser()}"


def _with_store(use: Callable[["ProductStore"], Awaitable[T]]) -> T:
    from app.config import get_settings
    from app.runtime import open_runtime

    async def run() -> T:
        runtime = await open_runtime(get_settings(), None)
        try:
            return await use(runtime.product_store)
        finally:
            await runtime.close()

    return asyncio.run(run())


def _refused(problem: "ProblemError") -> None:
    typer.echo(f"refused ({problem.kind.slug}): {problem.detail}", err=True)
    for failure in problem.extensions.get("failures", []):
        typer.echo(f"  FAIL  {failure['check']}: {failure['detail']}", err=True)


def _report(registration: "Registration") -> None:
    version = registration.version
    passed = sum(check.passed for check in registration.checks)
    if registration.stored:
        said = f"{version.change.replace('_', ' ')} as version {version.version}"
    else:
        said = f"would be version {version.version} ({version.change}); nothing stored"
    typer.echo(f"{version.name}: {said}; {passed} of {len(registration.checks)} checks passed")
    for check in registration.checks:
        typer.echo(f"  {'pass' if check.passed else 'FAIL'}  {check.name}  {check.duration_ms} ms")


def _change(files: list[Path], author: str, dry_run: bool) -> None:
    from app.problems import ProblemError
    from app.products.declaration import ProductDeclaration

    async def apply(store: "ProductStore") -> bool:
        ok = True
        for path in files:
            try:
                declaration = ProductDeclaration.model_validate_json(path.read_bytes())
            except ValidationError as invalid:
                ok = False
                typer.echo(f"{path}: not a declaration", err=True)
                for error in invalid.errors():
                    where = ".".join(str(part) for part in error["loc"]) or "(the file)"
                    typer.echo(f"  {where}: {error['msg']}", err=True)
                continue
            try:
                _report(await store.register(author, declaration.name, declaration, dry_run))
            except ProblemError as problem:
                ok = False
                typer.echo(f"{path}:", err=True)
                _refused(problem)
        return ok

    if not _with_store(apply):
        raise typer.Exit(1)


@products_cli.command("apply")
def products_apply(files: Files, author: Author = None) -> None:
    """Register each file's product, or store it as a new version, once it passes every
    check (exit 1 if any file is refused)."""
    _change(files, _author(author), dry_run=False)


@products_cli.command("check")
def products_check(files: Files) -> None:
    """Run every check a registration runs, the live backends' conformance too; store
    nothing (exit 1 if any file would be refused)."""
    _change(files, _author(None), dry_run=True)


@products_cli.command("list")
def products_list() -> None:
    """Every data product taking traffic: version, when, by whom, and its agencies."""

    async def every(store: "ProductStore") -> None:
        for version in await store.every():
            assert version.declaration is not None
            codes = ",".join(s["agency"]["code"] for s in version.declaration["sources"])
            typer.echo(
                f"{version.name:<24} v{version.version:<4} "
                f"{version.created_at.isoformat(timespec='seconds')}  {version.author:<32} {codes}"
            )

    _with_store(every)


def _or_refused(change: Callable[["ProductStore"], Awaitable[str]]) -> None:
    from app.problems import ProblemError

    async def run(store: "ProductStore") -> str | None:
        try:
            return await change(store)
        except ProblemError as problem:
            _refused(problem)
            return None

    said = _with_store(run)
    if said is None:
        raise typer.Exit(1)
    typer.echo(said)


@products_cli.command("rollback")
def products_rollback(name: str, version: int, author: Author = None) -> None:
    """Store a new version equal to VERSION, once it passes every check again."""

    async def rollback(store: "ProductStore") -> str:
        registration = await store.rollback(_author(author), name, version)
        _report(registration)
        return f"{name}: version {version} restored as version {registration.version.version}"

    _or_refused(rollback)


@products_cli.command("remove")
def products_remove(name: str, author: Author = None) -> None:
    """Take the product off the bus everywhere; its history stays."""

    async def remove(store: "ProductStore") -> str:
        removal = await store.remove(_author(author), name)
        return f"{name}: removed (version {removal.version} records the removal)"

    _or_refused(remove)
