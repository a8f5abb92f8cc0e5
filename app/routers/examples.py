"""Response examples for the OpenAPI document: real answers from the demo world, trimmed.

They live in `examples.json` beside this module so that they stay data, not code.
"""

import json
from pathlib import Path
from typing import Any

_RECORDED: dict[str, Any] = json.loads(
    (Path(__file__).with_name("examples.json")).read_text(encoding="utf-8")
)


def _example(summary: str, key: str) -> dict[str, Any]:
    return {"summary": summary, "value": _RECORDED[key]}


PROFILE = {
    "complete": _example("Every agency answered", "profile_complete"),
    "partial": _example(
        "Vehicle tax is down: the other parts still arrive, `complete` is false",
        "profile_partial",
    ),
}
VEHICLES = {"vehicles": _example("An owner with several vehicles, one overdue", "vehicles")}
BUSINESSES = {"page": _example("Page 1 of an owner's businesses, one per page", "businesses")}
VEHICLE = {"vehicle": _example("A vehicle with two months of arrears", "vehicle")}
