"""The API reference pages, served entirely by the gateway.

FastAPI's default pages load Swagger UI and ReDoc from a public CDN and start them with an
inline script: on an offline government network, or under the gateway's own CSP, they stay
blank. Here the UIs' files come from an installed, pinned package (`fastapi-offline`), each
page starts its UI from a script file of its own (`docs_assets/`), and the pages' CSP allows
this origin only (see `app.middleware.DOCS_CSP`)."""

from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

VENDOR_URL = "/docs/vendor"
"""Swagger UI and ReDoc as the package ships them."""
ASSETS_URL = "/docs/assets"
"""This gateway's scripts that start them."""

_VENDOR_DIR = Path(fastapi_offline.__file__).parent / "static"
_ASSETS_DIR = Path(__file__).parent / "docs_assets"

router = APIRouter(include_in_schema=False)


def _page(request: Request, title: str, head: str, body: str) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    favicon = f"{root}{VENDOR_URL}/favicon.png"
    return HTMLResponse(
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        f'<link rel="icon" type="image/png" href="{favicon}">\n'
        f"{head}</head>\n<body>\n{body}</body>\n</html>\n"
    )


def _openapi_url(request: Request) -> str:
    return escape(request.scope.get("root_path", "") + (request.app.openapi_url or ""))


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    """Interactive: Authorize takes a client id and secret, fetches a client-credentials token
    from `/v1/oauth/token` and sends it with every "Try it out"."""
    root = request.scope.get("root_path", "")
    return _page(
        request,
        f"{request.app.title}: API reference",
        f'<link rel="stylesheet" href="{root}{VENDOR_URL}/swagger-ui.css">\n',
        f'<div id="swagger-ui" data-openapi-url="{_openapi_url(request)}"></div>\n'
        f'<script src="{root}{VENDOR_URL}/swagger-ui-bundle.js"></script>\n'
        f'<script src="{root}{ASSETS_URL}/swagger.js"></script>\n',
    )


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    """Readable: the whole reference on one page, without trying calls."""
    root = request.scope.get("root_path", "")
    return _page(
        request,
        f"{request.app.title}: API reference",
        "",
        f'<div id="redoc" data-openapi-url="{_openapi_url(request)}"></div>\n'
        f'<script src="{root}{VENDOR_URL}/redoc.standalone.js"></script>\n'
        f'<script src="{root}{ASSETS_URL}/redoc.js"></script>\n',
    )


def install(app: FastAPI) -> None:
    """Routes and static files together: an `APIRouter` cannot carry mounts."""
    app.include_router(router)
    app.mount(VENDOR_URL, StaticFiles(directory=_VENDOR_DIR), name="docs-vendor")
    app.mount(ASSETS_URL, StaticFiles(directory=_ASSETS_DIR), name="docs-assets")
