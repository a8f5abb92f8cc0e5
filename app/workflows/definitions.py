"""How the bus runs the services the agencies declare: input, steps in order, what undoes a
step when the request cannot finish, and the product. What the public is promised (time to
complete, fee, requirements) is the agencies' declaration, in the service catalogue."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.adapters.base import Capability
from app.schemas.service_requests import (
    SERVICE_INPUTS,
    ServiceCode,
    StrictModel,
)
from app.workflows import steps
from app.workflows.steps import StepSpec


@dataclass(frozen=True)
class ServiceDefinition:
    code: ServiceCode
    steps: tuple[StepSpec, ...]
    product: Callable[[dict[str, dict[str, Any]]], dict[str, Any]]
    compensations: dict[str, StepSpec] = field(default_factory=dict)

    @property
    def input_model(self) -> type[StrictModel]:
        return SERVICE_INPUTS[self.code]


def _renewal_product(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"receipt": results["pay_tax"]}


def _registration_product(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The NIB (issued at registration for every risk level) and the permit step on its own:
    `{kind, status, number, decided_at, reason, deadline}`."""
    decision = results["await_decision"]
    return {
        "nib": decision["nib"],
        "risk_level": decision["risk_level"],
        "permit": decision["permit"],
    }


def _address_product(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Every agency told, by instance code: each provincial tax office where the citizen owns
    a vehicle, and the licensing agency."""
    offices = results["tell_vehicle_tax"]
    told = {
        code: {"records_updated": count, "acknowledged_at": offices["acknowledged_at"]}
        for code, count in offices["offices"].items()
    }
    return {
        "registration_number": results["record_address"]["registration_number"],
        "acknowledged_by": {**told, "investment_licensing": results["tell_investment_licensing"]},
    }


SERVICES: dict[ServiceCode, ServiceDefinition] = {
    definition.code: definition
    for definition in (
        ServiceDefinition(
            code=ServiceCode.VEHICLE_TAX_RENEWAL,
            steps=(
                StepSpec("verify_owner", Capability.IDENTITY_VERIFY, steps.verify_vehicle_owner),
                StepSpec(
                    "issue_payment_code",
                    Capability.VEHICLE_TAX_PAYMENT,
                    steps.issue_payment_code,
                    regions=steps.plate_of,
                ),
                StepSpec(
                    "pay_tax",
                    Capability.VEHICLE_TAX_PAYMENT,
                    steps.pay_vehicle_tax,
                    regions=steps.plate_of,
                ),
            ),
            compensations={
                "issue_payment_code": StepSpec(
                    "void_payment_code",
                    Capability.VEHICLE_TAX_PAYMENT,
                    steps.void_payment_code,
                    regions=steps.plate_of,
                )
            },
            product=_renewal_product,
        ),
        ServiceDefinition(
            code=ServiceCode.BUSINESS_REGISTRATION,
            steps=(
                StepSpec("verify_citizen", Capability.IDENTITY_LOOKUP, steps.verify_citizen_alive),
                StepSpec(
                    "submit_registration",
                    Capability.BUSINESS_REGISTER,
                    steps.submit_business_registration,
                ),
                StepSpec(
                    "await_decision", Capability.BUSINESS_REGISTER, steps.await_licensing_decision
                ),
            ),
            product=_registration_product,
        ),
        ServiceDefinition(
            code=ServiceCode.ADDRESS_CHANGE,
            steps=(
                StepSpec("verify_citizen", Capability.IDENTITY_LOOKUP, steps.verify_citizen_alive),
                StepSpec(
                    "record_address", Capability.IDENTITY_UPDATE_ADDRESS, steps.record_new_address
                ),
                StepSpec(
                    "tell_vehicle_tax",
                    Capability.VEHICLE_UPDATE_OWNER_ADDRESS,
                    steps.tell_tax_offices,
                    every=True,
                ),
                StepSpec(
                    "tell_investment_licensing",
                    Capability.BUSINESS_UPDATE_OWNER_ADDRESS,
                    steps.tell_agency(Capability.BUSINESS_UPDATE_OWNER_ADDRESS),
                ),
            ),
            product=_address_product,
        ),
    )
}
