"""The interagency bus: find the agency for a capability and call it within the deadline."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from app.adapters.base import Capability
from app.bus.calls import CallResult, Deadline, call_agency
from app.bus.registry import AdapterRegistry
from app.schemas.sources import SourceStatus

P = TypeVar("P")
T = TypeVar("T")


class Bus:
    def __init__(self, registry: AdapterRegistry) -> None:
        self.registry = registry

    async def call(
        self,
        capability: Capability,
        protocol: type[P],
        part: str,
        operation: Callable[[P], Awaitable[T]],
        deadline: Deadline,
    ) -> CallResult[T]:
        """Never raises for an agency's fault: the result's status says what happened."""
        provider = self.registry.provider(capability, protocol)
        if provider is None:
            return CallResult(
                agency=capability.value.split(".")[0],
                part=part,
                status=SourceStatus.UNAVAILABLE,
                latency_ms=0,
                detail=f"no agency on the bus serves {capability.value}",
            )
        agency = provider.agency
        if not agency.endpoint.enabled:
            return CallResult(
                agency.code, part, SourceStatus.UNAVAILABLE, 0, detail="agency is disabled"
            )
        impl = provider.impl
        return await call_agency(
            agency.code,
            part,
            lambda: operation(impl),
            deadline.seconds_left(agency.endpoint.timeout_ms),
        )
