"""HTTP helpers shared by the provider's endpoints: its pages' headers, redirects that add
parameters to a client's URI, and parameters that may come only once (RFC 6749 3.1, 3.2)."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from simulators.identity_provider.pages import STYLE_HASH
from simulators.identity_provider.state import Locale

_FORM = "application/x-www-form-urlencoded"
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; frame-ancestors 'none'; "
        "base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def locale_of(ui_locales: str | None) -> Locale:
    """The first of the asked languages (OIDC `ui_locales`) this provider speaks."""
    for tag in (ui_locales or "").split():
        primary = tag.split("-")[0].lower()
        if primary in {"id", "en"}:
            return "id" if primary == "id" else "en"
    return "id"


def html(body: str, status: int = 200) -> Response:
    return Response(body, status, media_type="text/html; charset=utf-8", headers=_PAGE_HEADERS)


def with_query(uri: str, **params: str | None) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(name, value) for name, value in params.items() if value is not None]
    return urlunsplit(parts._replace(query=urlencode(query)))


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, 303, headers={"Cache-Control": "no-store"})


def single(params: list[tuple[str, str]]) -> dict[str, str] | None:
    """The parameters by name, or None if any is repeated (RFC 6749 3.1, 3.2)."""
    values = dict(params)
    return values if len(values) == len(params) else None


async def form_of(request: Request) -> dict[str, str] | None:
    """An urlencoded form body, the only kind these endpoints take, or None."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != _FORM:
        return None
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        return None
    return single(parse_qsl(text, keep_blank_values=True))
