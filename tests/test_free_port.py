"""Servers the tests start get ports no outgoing connection and no other xdist worker can take
before the server binds them (CI once failed on "address already in use")."""

import socket
import subprocess
import sys
from pathlib import Path

from simulators.stack import HOST, free_port

REPO = Path(__file__).resolve().parents[1]


def _ephemeral_range() -> range:
    low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    return range(int(low), int(high) + 1)


def _ports_of_worker(worker: str, count: int) -> set[int]:
    script = (
        f"from simulators.stack import free_port; print(*[free_port() for _ in range({count})])"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env={"PYTEST_XDIST_WORKER": worker, "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {int(port) for port in out.split()}


def test_ports_lie_outside_the_range_outgoing_connections_use():
    ports = {free_port() for _ in range(50)}

    assert len(ports) == 50
    assert not ports & set(_ephemeral_range())


def test_two_workers_never_hand_out_the_same_port():
    assert not _ports_of_worker("gw0", 200) & _ports_of_worker("gw1", 200)


def test_a_port_in_use_is_skipped():
    with socket.socket() as taken:
        taken.bind((HOST, free_port()))
        taken.listen()
        used = taken.getsockname()[1]
        handed = {free_port() for _ in range(1000)}

    assert used not in handed
