"""No NIK appears unmasked in the logs. Named to run last, so that it reads the log lines of
the whole run (of its worker, under `pytest -n`), captured through the gateway's production
handler; `captured_logs` checks the whole capture of every worker again when its session ends."""

import json
import logging
import re

from simulators.world import personas

SIXTEEN_DIGITS = re.compile(r"(?<!\d)\d{16}(?!\d)")
MASKED = re.compile(r"(?<!\d)\d{4}\*{8}\d{4}(?!\d)")


async def test_no_nik_in_the_captured_logs_of_the_run(gateway, captured_logs):
    nik = personas()["family"].nik
    logging.getLogger("app.test").warning("lookup of %s failed", nik)
    assert (await gateway.get("/v1/citizens/3171074508900999")).status_code == 404
    for handler in logging.getLogger().handlers:
        handler.flush()

    lines = captured_logs.read_text(encoding="utf-8").splitlines()

    assert lines, "nothing was captured: the capture handler is not installed"
    assert all(json.loads(line) for line in lines)
    leaks = [line for line in lines if SIXTEEN_DIGITS.search(line)]
    assert leaks == []
    assert any(MASKED.search(line) for line in lines)
    assert any(f"{nik[:4]}********{nik[-4:]}" in line for line in lines)
