"""The README's shell examples run as written, so they cannot rot.

Every ```sh / ```bash / ```console block of README.md runs, in order, in one bash session
(a block may use a variable or alias an earlier one set), against the simulators and the
gateway started as real processes on free ports: the README's `localhost:8000`, `:8101`...
are rewritten to them. A block that cannot run in a test says why in a
`<!-- not-run: reason -->` line right above it; nothing is skipped silently.

Every HTTP status curl receives is recorded. A call whose comment names a status
(`# 31 February: 422 problem`) must answer that one; every other call must answer 2xx, and
every command must exit 0."""

import json
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from simulators.stack import (
    AGENCY_PORTS,
    DECLARATIONS,
    GATEWAY_PORT,
    PRODUCT_HOSTS,
    PROVINCES_HOST,
    Stack,
    declaration_for,
)
from tests.conftest import started_stack

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SHELL_LANGUAGES = {"sh", "bash", "console", "shell"}
FENCE = re.compile(r"^```(\w*)\s*$")
NOT_RUN = re.compile(r"^<!--\s*not-run:\s*(?P<reason>\S.*?)\s*-->$")
LOCAL_URL = re.compile(r"\b(localhost|127\.0\.0\.1):(\d{4})\b")
STATUS = re.compile(r"\b([1-5][0-9]{2})\b")
PRELUDE = """\
set -eo pipefail
shopt -s expand_aliases
curl() { command curl -w '%{stderr}%{http_code}\\n' "$@" 2>>"$STATUS_LOG"; }
"""
"""Every curl, aliased or not, appends the status it received to the log."""


@dataclass(frozen=True)
class Block:
    line: int
    language: str
    text: str
    not_run: str | None


@dataclass(frozen=True)
class Command:
    line: int
    text: str
    comment: str

    @property
    def expected(self) -> set[int]:
        """The statuses its comment names, e.g. `422 problem`; none: success."""
        return {int(code) for code in STATUS.findall(self.comment)}


def readme_blocks(text: str) -> list[Block]:
    blocks = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opened = FENCE.match(lines[index])
        if not opened:
            index += 1
            continue
        start = index
        index += 1
        while not lines[index].startswith("```"):
            index += 1
        before = next((line for line in reversed(lines[:start]) if line.strip()), "")
        marked = NOT_RUN.match(before.strip())
        blocks.append(
            Block(
                line=start + 1,
                language=opened.group(1),
                text="\n".join(lines[start + 1 : index]) + "\n",
                not_run=marked.group("reason") if marked else None,
            )
        )
        index += 1
    return blocks


def _split_comment(line: str, quote: str | None) -> tuple[str, str, str | None]:
    """The code and the comment of one physical line, given the quote open at its start;
    returns the quote still open at its end."""
    escaped = False
    for position, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (position == 0 or line[position - 1].isspace()):
            return line[:position], line[position + 1 :].strip(), None
    return line, "", quote


def shell_commands(block: Block) -> list[Command]:
    """Logical commands: a line continued with a backslash or inside an open quote joins the
    next one. Comments are kept apart: they state what the command should answer."""
    commands: list[Command] = []
    code: list[str] = []
    comments: list[str] = []
    quote: str | None = None
    first = 0
    for offset, line in enumerate(block.text.splitlines()):
        if not code:
            first = block.line + 1 + offset
        part, comment, quote = _split_comment(line, quote)
        code.append(part if quote else part.rstrip())
        comments.append(comment)
        if quote or code[-1].endswith("\\"):
            continue
        text = "\n".join(code).strip()
        if text:
            commands.append(Command(first, text, " ".join(c for c in comments if c)))
        code, comments = [], []
    assert not code, f"README line {first}: a command never ends (open quote or backslash)"
    return commands


def runnable_blocks() -> list[Block]:
    return [
        block
        for block in readme_blocks(README.read_text(encoding="utf-8"))
        if block.language in SHELL_LANGUAGES and block.not_run is None
    ]


@pytest.fixture(scope="module")
def stack(tmp_path_factory, _fresh_external_database) -> Iterator[Stack]:
    with started_stack(tmp_path_factory.mktemp("readme")) as started:
        yield started


def _declarations_on_stack(stack: Stack, directory: Path) -> Path:
    """`declarations/` as this stack must read it: each source at its simulator's port."""
    directory.mkdir()
    for path in DECLARATIONS.glob("*.json"):
        moved = declaration_for(path.stem, stack)
        (directory / path.name).write_text(json.dumps(moved), encoding="utf-8")
    return directory


def _on_stack(stack: Stack, text: str, declarations: Path) -> str:
    """The README's ports, as `make run` uses them, moved to where this stack listens, and
    its declaration files to copies that point there too."""
    assert stack.provinces is not None
    ports = {
        GATEWAY_PORT: stack.gateway.port,
        PROVINCES_HOST.port: stack.provinces.port,
        **{AGENCY_PORTS[code]: process.port for code, process in stack.agencies.items()},
        **{PRODUCT_HOSTS[name].port: process.port for name, process in stack.products.items()},
    }
    text = text.replace("@declarations/", f"@{declarations}/")

    def moved(match: re.Match[str]) -> str:
        port = int(match.group(2))
        assert port in ports, f"the README uses port {port}, which no process of make run has"
        return f"{match.group(1)}:{ports[port]}"

    return LOCAL_URL.sub(moved, text)


def test_every_shell_block_runs_or_says_why_not() -> None:
    blocks = [
        b
        for b in readme_blocks(README.read_text(encoding="utf-8"))
        if b.language in SHELL_LANGUAGES
    ]
    runnable = runnable_blocks()

    assert len(runnable) >= 4
    assert sum(len(shell_commands(b)) for b in runnable) >= 25
    assert all(b.not_run for b in blocks if b not in runnable)


def test_the_readme_examples_answer_as_shown(stack: Stack, tmp_path: Path) -> None:
    commands = [c for block in runnable_blocks() for c in shell_commands(block)]
    declarations = _declarations_on_stack(stack, tmp_path / "declarations")
    script = [PRELUDE]
    for index, command in enumerate(commands):
        moved = _on_stack(stack, command.text, declarations)
        script += [f'echo "@@ {index}" >>"$STATUS_LOG"', moved]
    status_log = tmp_path / "statuses"
    status_log.touch()
    officer = stack.credentials["demo-officer"]

    ran = subprocess.run(
        ["bash", "-c", "\n".join(script) + "\n"],
        cwd=ROOT,
        env={
            **os.environ,
            **stack.gateway.env,
            "SECRET": officer["client_secret"],
            "STATUS_LOG": str(status_log),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )

    statuses: dict[int, list[int]] = {}
    current = -1
    for line in status_log.read_text().splitlines():
        if line.startswith("@@ "):
            current = int(line.removeprefix("@@ "))
            statuses[current] = []
        elif line.isdigit():
            statuses[current].append(int(line))
    if ran.returncode != 0:
        failed = commands[current]
        pytest.fail(
            f"README line {failed.line} exited {ran.returncode}:\n{failed.text}\n"
            f"statuses {statuses.get(current)}\nstdout tail:\n{ran.stdout[-2000:]}\n"
            f"stderr tail:\n{ran.stderr[-2000:]}"
        )
    assert sorted(statuses) == list(range(len(commands)))
    wrong = [
        (command.line, command.text, received)
        for index, command in enumerate(commands)
        if (received := statuses[index])
        and not all(
            code in command.expected if command.expected else 200 <= code < 300 for code in received
        )
    ]
    assert wrong == []
    assert sum(len(received) for received in statuses.values()) >= 25


async def test_a_form_body_to_a_json_endpoint_is_told_to_send_json(gateway, personas) -> None:
    """What `curl -d` without a Content-Type sends."""
    response = await gateway.post(
        "/v1/service-requests",
        data={"service": "vehicle-tax-renewal", "nik": personas["family"].nik},
    )

    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["field"] == "Content-Type"
    assert "Content-Type: application/json" in problem["errors"][0]["message"]
    assert "application/x-www-form-urlencoded" in problem["detail"]


async def test_a_json_body_to_the_token_endpoint_is_told_to_send_a_form(gateway) -> None:
    response = await gateway.post(
        "/v1/oauth/token",
        json={"grant_type": "client_credentials", "client_id": "a", "client_secret": "b"},
    )

    assert response.status_code == 400
    problem = response.json()
    assert problem["error"] == "invalid_request"
    assert "application/x-www-form-urlencoded" in problem["detail"]
    assert "RFC 6749" in problem["detail"]
    assert problem["errors"][0]["field"] == "Content-Type"
