"""The performance report for a person at a terminal: a table per agency, and a chart of the
trend per agency (PNG, or a self-contained HTML page with the chart as inline SVG)."""

import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure
from rich.table import Table

from app.schemas.reports import PerformanceReport


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _number(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:g}{unit}"


def performance_table(report: PerformanceReport) -> Table:
    table = Table(title=f"Service performance {report.period.start} to {report.period.end}")
    for column in (
        "agency / service",
        "submitted",
        "completed",
        "rejected",
        "failed",
        "in SLA",
        "median wd",
        "p90 wd",
        "complaints (overdue, resolved)",
        "availability",
        "latency median / p95",
    ):
        table.add_column(column, justify="left" if column == "agency / service" else "right")
    for agency in report.agencies:
        rows = [
            (f"[bold]{agency.agency}[/bold]", agency),
            *((f"  {s.service}", s) for s in agency.services),
        ]
        for label, figures in rows:
            is_agency = figures is agency
            table.add_row(
                label,
                str(figures.submitted),
                str(figures.by_outcome.get("completed", 0)),
                str(figures.by_outcome.get("rejected", 0)),
                str(figures.by_outcome.get("failed", 0)),
                _share(figures.completed_within_sla_share),
                _number(figures.median_completion_working_days),
                _number(figures.p90_completion_working_days),
                (
                    f"{agency.complaints.received} ({agency.complaints.overdue}, "
                    f"{agency.complaints.resolved})"
                    if is_agency
                    else ""
                ),
                _share(agency.calls.availability) if is_agency else "",
                (
                    f"{_number(agency.calls.median_latency_ms, ' ms')} / "
                    f"{_number(agency.calls.p95_latency_ms, ' ms')}"
                    if is_agency
                    else ""
                ),
            )
    return table


def _percent(value: float | None) -> float:
    return float("nan") if value is None else value * 100


def trend_chart(days: Sequence[tuple[dt.date, PerformanceReport]], path: Path) -> None:
    """One point per day and a line per agency: the share completed within the standard, and
    the agency's availability on the gateway's calls. `.html` gets an HTML page, else PNG."""
    figure = Figure(figsize=(9, 6))
    sla, availability = figure.subplots(2, 1, sharex=True)
    agencies = sorted({a.agency for _, report in days for a in report.agencies})
    dates = [day for day, _ in days]
    for code in agencies:
        figures = [next((a for a in r.agencies if a.agency == code), None) for _, r in days]
        sla.plot(
            dates,
            [_percent(f.completed_within_sla_share if f else None) for f in figures],
            marker="o",
            label=code,
        )
        availability.plot(
            dates,
            [_percent(f.calls.availability if f else None) for f in figures],
            marker="o",
            label=code,
        )
    sla.set_ylabel("completed within SLA (%)")
    availability.set_ylabel("call availability (%)")
    for axes in (sla, availability):
        axes.set_ylim(0, 105)
        axes.grid(alpha=0.3)
    sla.legend(loc="lower left")
    sla.set_title("Service performance per agency, per day")
    figure.autofmt_xdate()
    if path.suffix.lower() == ".html":
        svg = io.StringIO()
        figure.savefig(svg, format="svg")
        path.write_text(
            "<!doctype html><html><head><meta charset='utf-8'>"
            "<title>satupintu service performance</title></head><body>"
            f"{svg.getvalue()}</body></html>",
            encoding="utf-8",
        )
    else:
        figure.savefig(path, format="png", dpi=120)
