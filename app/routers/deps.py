"""Dependencies shared by the routers."""

from typing import Annotated

from fastapi import Depends, Header, Request

from app.services.agencies import AgencyAdmin
from app.services.complaints import Complaints
from app.services.context import Caller, Services
from app.services.reports import Reports
from app.services.service_requests import Requests


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def get_agency_admin(request: Request) -> AgencyAdmin:
    admin: AgencyAdmin = request.app.state.agency_admin
    return admin


def get_requests(request: Request) -> Requests:
    requests: Requests = request.app.state.requests
    return requests


def get_complaints(request: Request) -> Complaints:
    complaints: Complaints = request.app.state.complaints
    return complaints


def get_reports(request: Request) -> Reports:
    reports: Reports = request.app.state.reports
    return reports


def get_caller(
    request: Request,
    x_client_id: Annotated[
        str,
        Header(
            max_length=128,
            description="Who is calling (an application name). Recorded with every read.",
        ),
    ] = "anonymous",
) -> Caller:
    return Caller(request_id=request.state.request_id, client_id=x_client_id)


ServicesDep = Annotated[Services, Depends(get_services)]
CallerDep = Annotated[Caller, Depends(get_caller)]
RequestsDep = Annotated[Requests, Depends(get_requests)]
AgencyAdminDep = Annotated[AgencyAdmin, Depends(get_agency_admin)]
ComplaintsDep = Annotated[Complaints, Depends(get_complaints)]
ReportsDep = Annotated[Reports, Depends(get_reports)]
