"""The public service catalogue: every service the agencies on the bus declare, with every
agency that takes part, as a public service mall's front desk would show it."""

from app.bus.registry import AdapterRegistry
from app.problems import ProblemError, ProblemKind
from app.schemas.agencies import ServiceList, ServiceStageView, ServiceView
from app.schemas.service_requests import ServiceCode
from app.workflows.definitions import SERVICES


def _taking_part(registry: AdapterRegistry, code: str, declared_by: list[str]) -> list[str]:
    """The declaring instances (every provincial office offering it), and for a service the
    bus runs, every instance that can do one of its steps."""
    agencies = list(declared_by)
    if code in SERVICES:
        for step in SERVICES[ServiceCode(code)].steps:
            for provider in registry.providers(step.capability, object):
                if provider.agency.code not in agencies:
                    agencies.append(provider.agency.code)
    return agencies


def _runnable(registry: AdapterRegistry, code: str) -> bool:
    """Every step of the service has an enabled instance to do it."""
    return code in SERVICES and all(
        any(p.agency.endpoint.enabled for p in registry.providers(step.capability, object))
        for step in SERVICES[ServiceCode(code)].steps
    )


def services(
    registry: AdapterRegistry, agency: str | None = None, category: str | None = None
) -> ServiceList:
    views: dict[str, ServiceView] = {}
    declarers: dict[str, list[str]] = {}
    for declaring in sorted(registry.agencies(), key=lambda a: a.code):
        for declared in declaring.adapter.services:
            declarers.setdefault(declared.code, []).append(declaring.code)
    for declaring in sorted(registry.agencies(), key=lambda a: a.code):
        for service in declaring.adapter.services:
            if service.code in views:
                continue
            taking_part = _taking_part(registry, service.code, declarers[service.code])
            views[service.code] = ServiceView(
                code=service.code,
                name_id=service.name_id,
                name_en=service.name_en,
                category=service.category,
                agencies=taking_part,
                requirements=list(service.requirements),
                procedure=list(service.procedure),
                working_days=service.working_days,
                stages=[
                    ServiceStageView(
                        name_id=stage.name_id,
                        name_en=stage.name_en,
                        working_days=stage.working_days,
                        deemed_approval=stage.deemed_approval,
                    )
                    for stage in service.stages
                ],
                fee=service.fee,
                product=service.product,
                complaint_channel=service.complaint_channel,
                legal_basis=list(service.legal_basis),
                responsible_unit=service.responsible_unit,
                online=_runnable(registry, service.code),
            )
    return ServiceList(
        items=[
            view
            for view in views.values()
            if (agency is None or agency in view.agencies)
            and (category is None or view.category == category)
        ]
    )


def declaring(registry: AdapterRegistry, service: str) -> list[str]:
    """Every instance that offers `service` (each provincial office offers renewals)."""
    return sorted(
        a.code for a in registry.agencies() if any(s.code == service for s in a.adapter.services)
    )


def responsible(registry: AdapterRegistry, service: str, step_agencies: list[str]) -> str:
    """The instance answerable for one request of `service`: the offering instance that did
    its steps (the plate's office for a renewal), else the first that offers it."""
    offering = declaring(registry, service)
    done_by = next((code for code in step_agencies if code in offering), None)
    return done_by or (offering[0] if offering else service)


def service(registry: AdapterRegistry, code: str) -> ServiceView:
    for view in services(registry).items:
        if view.code == code:
            return view
    raise ProblemError(ProblemKind.SERVICE_NOT_FOUND, f"no service {code!r} on the bus")
