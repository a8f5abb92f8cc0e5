"""`GET /v1/me`: who the caller is, so a frontend need not decode its token."""

import datetime as dt
from typing import Annotated

import jwt
from fastapi import APIRouter, Depends, Request

from app.auth.clients import ClientStore
from app.problems import ProblemError, ProblemKind, problem_responses
from app.routers.deps import caller_with, oauth2
from app.schemas.me import EXAMPLES, Me
from app.services.context import Caller

router = APIRouter(prefix="/v1/me", tags=["me"])


def _expiry(authorization: str) -> dt.datetime:
    """The guard verified this token before the route ran; only its `exp` is read here."""
    token = authorization.partition(" ")[2].strip()
    claims = jwt.decode(token, options={"verify_signature": False})
    return dt.datetime.fromtimestamp(int(claims["exp"]), dt.UTC)


@router.get(
    "",
    summary="Who the caller is",
    description=(
        "The authenticated client: its id, name and kind, the scopes this credential carries, "
        "the citizen a portal or kiosk token acts for, and when the token expires. Any valid "
        "credential may ask; the request counts against the client's rate limit like any other."
    ),
    responses={
        200: {"content": {"application/json": {"examples": EXAMPLES}}},
        **problem_responses(personal_data=False),
    },
)
async def who_am_i(
    request: Request,
    caller: Annotated[Caller, caller_with()],
    authorization: Annotated[str | None, Depends(oauth2)],
) -> Me:
    clients: ClientStore = request.app.state.clients
    client = await clients.find(caller.client_id)
    if client is None:
        raise ProblemError(
            ProblemKind.UNAUTHENTICATED,
            "this client no longer exists",
            detail_indonesian="klien ini sudah tidak ada",
        )
    return Me(
        client_id=caller.client_id,
        name=client.name,
        kind=caller.kind,
        scopes=sorted(caller.scopes),
        nik=caller.subject_nik,
        credential="bearer_token" if authorization else "api_key",
        expires_at=_expiry(authorization) if authorization else None,
    )
