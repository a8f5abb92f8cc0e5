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
ACCESS_LOG = {
    "officer read": _example(
        "A SAMSAT counter read the citizen's identity and vehicles", "access_log"
    )
}
VEHICLE = {"vehicle": _example("A vehicle with two months of arrears", "vehicle")}
SERVICE_REQUEST_SUBMITTED = {
    "submitted": _example(
        "A renewal just received: steps planned, deadline set", "service_request_submitted"
    )
}
SERVICE_REQUEST = {
    "awaiting_payment": _example(
        "Assessed by SAMSAT: pay this code and amount", "service_request_awaiting_payment"
    ),
    "completed": _example("Paid: the receipt is the product", "service_request_completed"),
}
SERVICE_REQUEST_PAGE = {
    "page": _example("One page of a citizen's requests", "service_request_page")
}
SERVICE_REQUEST_BODIES = {
    "vehicle-tax-renewal": {
        "summary": "Pay this year's vehicle tax",
        "value": {
            "service": "vehicle-tax-renewal",
            "nik": "3174101704820001",
            "data": {"plate_number": "B 9661 SX"},
        },
    },
    "business-registration": {
        "summary": "Register a low-risk business and get an NIB",
        "value": {
            "service": "business-registration",
            "nik": "3471073006980001",
            "data": {
                "business_name": "Warung Kopi Senja",
                "kbli": ["56102"],
                "address": {"street": "Jl. Malioboro No. 5", "village_code": "34.71.07.1001"},
            },
            "callback_url": "https://portal.example.id/hooks/satupintu",
        },
    },
    "address-change": {
        "summary": "Move, and tell every agency once",
        "value": {
            "service": "address-change",
            "nik": "3374091203840001",
            "data": {
                "street": "Jl. Pandanaran No. 10",
                "rt": "002",
                "rw": "004",
                "village_code": "33.74.09.1001",
            },
        },
    },
}
AGENCIES = {"agencies": _example("Agencies on the bus, with live health", "agencies")}
AGENCY = {"agency": _example("The vehicle-tax agency", "agency")}
SERVICES = {"vehicles": _example("The catalogue, filtered to one category", "services")}
SERVICE = {"service": _example("One service as its standard declares it", "service")}
KBLI = {"kbli": _example("The KBLI reference list, fresh from OSS", "kbli")}
