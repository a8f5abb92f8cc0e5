"""How the bus runs the services the agencies declare: input, steps in order, what undoes a
step when the request cannot finish, and the product. What the public is promised (time to
complete, fee, requirements) is the agencies' declaration, in the service catalogue.

Each definition names its input and product models; the public shapes of a service request
(`ServiceRequestCreate`, `ServiceRequest`, discriminated by `service`) are built from them
here, so a new service is typed in the API the moment it is defined."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from app.adapters.base import Capability
from app.schemas import service_requests as shapes
from app.schemas.service_products import (
    AddressChangeProduct,
    RegistrationProduct,
    RenewalProduct,
)
from app.schemas.service_requests import (
    AddressChangeInput,
    RegistrationInput,
    RenewalInput,
    ServiceCode,
    ServiceShape,
    StrictModel,
)
from app.workflows import steps
from app.workflows.steps import StepSpec


@dataclass(frozen=True)
class ServiceDefinition:
    """`product` turns the steps' results into what the citizen receives; it must return
    what `product_model` describes (the API declares and checks the reply with it)."""

    code: ServiceCode
    input_model: type[StrictModel]
    steps: tuple[StepSpec, ...]
    product: Callable[[dict[str, dict[str, Any]]], dict[str, Any]]
    product_model: type[BaseModel]
    compensations: dict[str, StepSpec] = field(default_factory=dict)


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
            input_model=RenewalInput,
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
            product_model=RenewalProduct,
        ),
        ServiceDefinition(
            code=ServiceCode.BUSINESS_REGISTRATION,
            input_model=RegistrationInput,
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
            product_model=RegistrationProduct,
        ),
        ServiceDefinition(
            code=ServiceCode.ADDRESS_CHANGE,
            input_model=AddressChangeInput,
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
            product_model=AddressChangeProduct,
        ),
    )
}

CONTRACT = shapes.service_request_contract(
    ServiceShape(d.code, d.input_model, d.product_model) for d in SERVICES.values()
)

if TYPE_CHECKING:
    # What every variant has, for the type checker; at run time, the discriminated unions.
    ServiceRequestCreate = shapes.ServiceRequestCreate
    ServiceRequest = shapes.ServiceRequest
    ServiceRequestPage = shapes.ServiceRequestPage
else:
    ServiceRequestCreate = CONTRACT.submission
    ServiceRequest = CONTRACT.request
    ServiceRequestPage = CONTRACT.page
