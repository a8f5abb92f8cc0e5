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
        "Central Java's tax office is down: the other offices and agencies still answer, "
        "`vehicles` holds what arrived, `complete` is false",
        "profile_partial",
    ),
    "minimised": _example(
        "A vehicle-tax officer (identity:read, vehicles:read): name, address and vehicles; "
        "the rest is withheld and not even fetched",
        "profile_minimised",
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

_COMPLAINT = {
    "id": "0b6f8f4e-2f6a-4a52-9d0e-4c1e7f3b9a10",
    "nik": "3174101704820001",
    "subject": "Kode bayar pajak kendaraan tidak terbit",
    "description": "Sudah tiga hari saya mencoba memperpanjang STNK B 9661 SX tanpa hasil.",
    "status": "resolved",
    "addressed_to": "civil_registry",
    "agency": "vehicle_tax",
    "routing": {
        "agency": "vehicle_tax",
        "routed_by": "service",
        "reason": "it is about the service vehicle-tax-renewal, which vehicle_tax handles",
    },
    "service": "vehicle-tax-renewal",
    "service_request_id": None,
    "category": None,
    "filed_at": "2026-11-23T10:05:00Z",
    "updated_at": "2026-11-23T10:05:07Z",
    "deadline": None,
    "stage_deadlines": {"verification": "2026-11-26", "follow_up": "2026-11-30"},
    "overdue": False,
    "agency_reference": "SAMSAT-ADU-20261123-000001",
    "answer": "Pengaduan 'KODE BAYAR PAJAK KENDARAAN TIDAK TERBIT' telah ditindaklanjuti oleh "
    "Badan Pendapatan Daerah (SAMSAT). Terima kasih atas laporan Anda.",
    "resolved_at": "2026-11-23T10:05:06Z",
    "history": [
        {
            "at": "2026-11-23T10:05:00Z",
            "kind": "received",
            "agency": "civil_registry",
            "message": "received at civil_registry",
        },
        {
            "at": "2026-11-23T10:05:00Z",
            "kind": "verified",
            "agency": "vehicle_tax",
            "message": "verified: it is about the service vehicle-tax-renewal, which "
            "vehicle_tax handles",
        },
        {
            "at": "2026-11-23T10:05:00Z",
            "kind": "forwarded",
            "agency": "vehicle_tax",
            "message": "forwarded from civil_registry to vehicle_tax, which is responsible: it "
            "is about the service vehicle-tax-renewal, which vehicle_tax handles",
        },
        {
            "at": "2026-11-23T10:05:01Z",
            "kind": "dispatched",
            "agency": "vehicle_tax",
            "message": "handed to vehicle_tax as ticket SAMSAT-ADU-20261123-000001; its answer "
            "is due by 2026-11-30",
        },
        {
            "at": "2026-11-23T10:05:07Z",
            "kind": "resolved",
            "agency": "vehicle_tax",
            "message": "vehicle_tax answered",
        },
    ],
}
COMPLAINT = {
    "resolved": {
        "summary": "Sent to the civil registry, forwarded to vehicle tax, answered",
        "value": _COMPLAINT,
    }
}
COMPLAINT_PAGE = {
    "page": {
        "summary": "A citizen's complaints, newest first",
        "value": {"items": [_COMPLAINT], "next_cursor": None},
    }
}
COMPLAINT_BODIES = {
    "wrong-door": {
        "summary": "A vehicle-tax complaint sent to the civil registry: it is forwarded",
        "value": {
            "nik": "3174101704820001",
            "addressed_to": "civil_registry",
            "subject": "Kode bayar pajak kendaraan tidak terbit",
            "description": "Sudah tiga hari saya mencoba memperpanjang STNK B 9661 SX tanpa hasil.",
            "service": "vehicle-tax-renewal",
        },
    },
    "no-door": {
        "summary": "No agency named: routed by its words",
        "value": {
            "nik": "3273064811790001",
            "subject": "NIB belum terbit",
            "description": "Permohonan izin usaha saya di OSS belum ada kabar sejak minggu lalu.",
        },
    },
}
SURVEY_BODY = {
    "survey": {
        "summary": "Nine answers, each 1 (tidak baik) to 4 (sangat baik)",
        "value": {
            "requirements": 4,
            "procedure": 3,
            "completion_time": 4,
            "fee": 4,
            "product": 3,
            "staff_competence": 3,
            "staff_behaviour": 4,
            "complaint_handling": 3,
            "facilities": 3,
        },
    }
}
SURVEY = {
    "survey": {
        "summary": "The answers as recorded",
        "value": {
            "service_request_id": "6f1c2b7e-0d0a-4f4e-9b8a-2c3d4e5f6a7b",
            "service": "vehicle-tax-renewal",
            "agency": "vehicle_tax",
            "submitted_at": "2026-11-23T10:15:00Z",
            "answers": SURVEY_BODY["survey"]["value"],
        },
    }
}
SATISFACTION = {
    "index": {
        "summary": "Vehicle tax in November: grade B",
        "value": {
            "period": {"start": "2026-11-01", "end": "2026-11-30"},
            "agency": "vehicle_tax",
            "service": None,
            "respondents": 4,
            "elements": [
                {
                    "element": "requirements",
                    "code": "U1",
                    "name_id": "Persyaratan",
                    "mean": "3.25",
                    "weighted": "0.361",
                    "grade": "B",
                }
            ],
            "index": "3.3333",
            "converted_index": "83.33",
            "grade": "B",
            "grade_name": "Baik",
        },
    }
}
_FIGURES = {
    "submitted": 4,
    "by_outcome": {
        "submitted": 0,
        "in_progress": 0,
        "awaiting_payment": 1,
        "awaiting_agency": 0,
        "completed": 3,
        "rejected": 0,
        "failed": 0,
        "cancelled": 0,
    },
    "completed_within_sla": 2,
    "completed_within_sla_share": 0.6666666666666666,
    "median_completion_working_days": 1.0,
    "p90_completion_working_days": 3.0,
}
PERFORMANCE = {
    "report": {
        "summary": "One agency, one service, over a month",
        "value": {
            "period": {"start": "2026-11-01", "end": "2026-11-30"},
            "agencies": [
                {
                    "agency": "vehicle_tax",
                    **_FIGURES,
                    "services": [
                        {"service": "vehicle-tax-renewal", "standard_working_days": 1, **_FIGURES}
                    ],
                    "complaints": {"received": 2, "overdue": 1, "resolved": 1},
                    "calls": {
                        "calls": 40,
                        "answered": 38,
                        "availability": 0.95,
                        "median_latency_ms": 12.0,
                        "p95_latency_ms": 85.0,
                    },
                }
            ],
        },
    }
}
DATA_PRODUCTS = {
    "catalogue": _example(
        "JKN memberships at BPJS Kesehatan, and land certificates at two land offices",
        "data_products",
    )
}
DATA_PRODUCT_REGISTERED = {
    "registered": _example(
        "BPJS Kesehatan joins by its declaration: every conformance check passed",
        "data_product_registered",
    )
}
DATA_PRODUCT_CHANGED = {
    "updated": _example("A new title, stored as version 2", "data_product_updated"),
    "dry_run": _example(
        "`dry_run=true`: every check ran, nothing was stored", "data_product_dry_run"
    ),
}
DATA_PRODUCT_ROLLED_BACK = {
    "rolled_back": _example(
        "Version 1 restored as version 3, checked again", "data_product_rolled_back"
    )
}
DATA_PRODUCT = {
    "declared": _example(
        "The version taking traffic; the key is named by `secret_ref`, never shown",
        "data_product",
    )
}
DATA_PRODUCT_VERSIONS = {
    "history": _example("Registered, changed, rolled back: who and when", "data_product_versions")
}
PRODUCT_RECORDS = {
    "one": _example("A `one` product: the citizen's JKN-KIS membership", "product_records_one"),
    "many": _example(
        "A `many` product: certificates from two land offices, merged",
        "product_records_many",
    ),
}
MANDATE = {
    "active": _example("A husband lets his wife renew his vehicle tax for a month", "mandate")
}
MANDATES = {"both ways": _example("One mandate given, one received, newest first", "mandates")}
WORKING_CALENDAR = {
    "2026": _example(
        "2026, trimmed to March: Nyepi and Idul Fitri with their collective leave",
        "working_calendar",
    )
}
