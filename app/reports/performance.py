"""Evaluating services against their published standard (UU 25/2009): plain computations
over the gateway's own records, kept apart from the queries so they can be checked by hand.

Completion time counts working days (Asia/Jakarta, without public holidays) from the day a
request was submitted to the day it completed: the same day is 0. The median is the usual one
(the mean of the two middle values for an even count); the 90th and 95th percentiles are
nearest-rank (the smallest value with at least that share of values at or below it), so every
reported value is one that really occurred.
"""

import datetime as dt
import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from app.schemas.reports import CallFigures, RequestFigures
from app.schemas.service_requests import RequestStatus
from app.schemas.sources import SourceStatus
from app.workflows.calendar import is_working_day

# A refusal of the caller's input is an answer too: the agency was up and said no.
ANSWERED = frozenset(
    {SourceStatus.OK.value, SourceStatus.NOT_FOUND.value, SourceStatus.REFUSED.value}
)


def working_days_between(start: dt.date, end: dt.date) -> int:
    days = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            days += 1
    return days


def nearest_rank(values: Sequence[float], percentile: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[max(1, math.ceil(percentile / 100 * len(ordered))) - 1])


def _median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


@dataclass(frozen=True)
class RequestFacts:
    status: str
    submitted_on: dt.date
    deadline: dt.date
    completed_on: dt.date | None


def request_figures(requests: Sequence[RequestFacts]) -> RequestFigures:
    completed = [r for r in requests if r.status == RequestStatus.COMPLETED and r.completed_on]
    within = [r for r in completed if r.completed_on and r.completed_on <= r.deadline]
    days = [
        float(working_days_between(r.submitted_on, r.completed_on))
        for r in completed
        if r.completed_on
    ]
    outcomes = Counter(r.status for r in requests)
    return RequestFigures(
        submitted=len(requests),
        by_outcome={status.value: outcomes[status.value] for status in RequestStatus},
        completed_within_sla=len(within),
        completed_within_sla_share=len(within) / len(completed) if completed else None,
        median_completion_working_days=_median(days),
        p90_completion_working_days=nearest_rank(days, 90),
    )


def call_figures(calls: Sequence[tuple[str, int]]) -> CallFigures:
    """`calls` are (status, latency in ms); latency is over the calls the agency answered,
    since a refused connection's few milliseconds say nothing about its speed."""
    answered = [float(latency) for status, latency in calls if status in ANSWERED]
    return CallFigures(
        calls=len(calls),
        answered=len(answered),
        availability=len(answered) / len(calls) if calls else None,
        median_latency_ms=_median(answered),
        p95_latency_ms=nearest_rank(answered, 95),
    )
