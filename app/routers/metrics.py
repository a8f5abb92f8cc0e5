"""Prometheus metrics of this process."""

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.observability import describe_instances

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    description=(
        "Requests by route and status, in-flight requests, per-agency call latency histograms, "
        "agency call outcomes by kind, each agency's circuit-breaker state, and every agency "
        "instance on the bus with its adapter kind and jurisdiction "
        "(`satupintu_agency_instance_info`)."
    ),
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Text exposition."}},
)
async def metrics(request: Request) -> Response:
    registry = request.app.state.services.bus.registry
    describe_instances(
        (a.code, a.kind, a.jurisdiction.as_list(), a.endpoint.enabled) for a in registry.agencies()
    )
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
