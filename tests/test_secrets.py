"""No gateway process runs on a secret anybody could know, and `make run` makes its own."""

import base64
import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from app.secret_settings import DEVELOPMENT_VALUES, InsecureSettings, fresh_secrets, secured
from simulators.stack import free_port, installation_secrets

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = (
    "SATUPINTU_SECRET_KEY",
    "SATUPINTU_WEBHOOK_SECRET",
    "SATUPINTU_AUDIT_SIGNING_KEY",
    "SATUPINTU_PUBLIC_URL",
)
UVICORN = (sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory")
SPEC = ROOT / "openapi" / "openapi.json"
SEED = "must be URL-safe base64 of a 32-byte Ed25519 seed"


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Nothing of the developer's environment: no secret can leak in from it. The process
    runs in `tmp_path`, so no `.env` or `.run/secrets.env` of the checkout is read either."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/gateway.db",
        **extra,
    }


def start_gateway(tmp_path: Path, port: int, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*UVICORN, "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        env=clean_env(tmp_path, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def refusal(process: subprocess.Popen[str]) -> str:
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_a_gateway_without_secrets_refuses_to_start_in_one_line(tmp_path):
    line = refusal(start_gateway(tmp_path, free_port()))
    assert line.startswith("satupintu refuses to start:")
    for name in REQUIRED:
        assert f"{name} " in line
    assert "satupintu secrets generate" in line
    assert "SATUPINTU_ENVIRONMENT=development" in line


def test_the_old_default_secrets_are_refused(tmp_path):
    """The defaults of earlier versions are public: whoever read the source could sign with
    them. A copied `.env` of an old installation must not start a gateway."""
    old = {
        "SATUPINTU_SECRET_KEY": "satupintu-development-secret-key",
        "SATUPINTU_WEBHOOK_SECRET": "satupintu-development-webhook-secret",
        "SATUPINTU_AUDIT_SIGNING_KEY": DEVELOPMENT_VALUES["audit_signing_key"],
        "SATUPINTU_PUBLIC_URL": "https://satupintu.example.go.id",
    }
    line = refusal(start_gateway(tmp_path, free_port(), **old))
    for name in REQUIRED[:3]:
        assert f"{name} is a published development value" in line
    assert "SATUPINTU_PUBLIC_URL" not in line


def test_the_worker_refuses_too(tmp_path):
    worker = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"],
        cwd=tmp_path,
        env=clean_env(tmp_path, **fresh_secrets()),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert refusal(worker).endswith(
        "SATUPINTU_PUBLIC_URL (the URL clients reach it at) is not set. Run `satupintu secrets "
        "generate` for fresh values and give them to every gateway process (or start with "
        "SATUPINTU_ENVIRONMENT=development on a machine with no real data)."
    )


def test_a_development_gateway_starts_and_says_so_once(tmp_path):
    port = free_port()
    gateway = start_gateway(tmp_path, port, SATUPINTU_ENVIRONMENT="development")
    try:
        ends_at = time.monotonic() + 60
        while time.monotonic() < ends_at and gateway.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        metadata = httpx.get(f"http://127.0.0.1:{port}/.well-known/oauth-authorization-server")
        assert metadata.json()["issuer"] == DEVELOPMENT_VALUES["public_url"]
    finally:
        gateway.terminate()
        _, stderr = gateway.communicate(timeout=30)
    warnings = [line for line in stderr.splitlines() if "DEVELOPMENT MODE" in line]
    assert len(warnings) == 1, stderr
    assert all(name in warnings[0] for name in REQUIRED)


def test_real_secrets_pass_the_check_unchanged():
    chosen = {k.removeprefix("SATUPINTU_").lower(): v for k, v in fresh_secrets().items()}
    settings = Settings(**chosen, public_url="https://gw.example.go.id/")  # type: ignore[arg-type]
    assert secured(settings) is settings
    assert settings.public_url == "https://gw.example.go.id"


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("secret_key", "short", "is shorter than 32 characters"),
        ("webhook_secret", "changeme", "is a published development value"),
        ("audit_signing_key", base64.urlsafe_b64encode(b"x" * 31).decode(), SEED),
        ("audit_signing_key", "not base64 at all!", SEED),
    ],
)
def test_weak_secrets_are_named(name, value, problem):
    chosen = {k.removeprefix("SATUPINTU_").lower(): v for k, v in fresh_secrets().items()}
    settings = Settings(**{**chosen, name: value}, public_url="https://gw.example.go.id")
    with pytest.raises(InsecureSettings) as refused:
        secured(settings)
    assert refused.value.problems == [f"SATUPINTU_{name.upper()} {problem}"]


def test_make_run_makes_its_secrets_once_and_keeps_them(tmp_path):
    path = tmp_path / ".run" / "secrets.env"
    first = installation_secrets(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert set(first) == set(fresh_secrets())
    assert installation_secrets(path) == first
    settings = Settings(_env_file=path, public_url="https://gw.example.go.id")
    assert secured(settings) is settings
    other = installation_secrets(tmp_path / "elsewhere" / "secrets.env")
    assert not set(other.values()) & set(first.values())


def test_a_secret_added_later_is_appended_not_replacing_the_others(tmp_path):
    path = tmp_path / "secrets.env"
    path.write_text("SATUPINTU_SECRET_KEY=kept-from-an-older-version-of-the-stack-file\n")
    path.chmod(0o644)
    secrets = installation_secrets(path)
    assert secrets["SATUPINTU_SECRET_KEY"] == "kept-from-an-older-version-of-the-stack-file"
    assert set(secrets) == set(fresh_secrets())
    assert installation_secrets(path) == secrets
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("environment", ["production", "development"])
def test_the_openapi_document_needs_no_secret_and_no_environment(tmp_path, environment):
    """CI checks the committed document with no secrets set; the check must not depend on
    the environment it runs in either."""
    checked = subprocess.run(
        [sys.executable, "-m", "app.cli", "openapi", "check", "--path", str(SPEC)],
        cwd=tmp_path,
        env=clean_env(tmp_path, SATUPINTU_ENVIRONMENT=environment),
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


def test_the_image_bakes_in_no_secret():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    instructions = re.sub(r"\\\n", " ", dockerfile)
    baked = [
        line
        for line in instructions.splitlines()
        if re.match(r"\s*(ENV|ARG)\b", line) and any(name in line for name in REQUIRED[:3])
    ]
    assert baked == []
    for name in REQUIRED:
        assert name in dockerfile, f"the Dockerfile should tell operators to give {name}"
