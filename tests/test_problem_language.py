"""Errors a citizen can read: `Accept-Language: id` gives problem titles and details in
Bahasa Indonesia, English stays the default, and every kind of problem has both texts."""

import pytest

from app.main import create_app
from app.problem_texts import INDONESIAN, preferred_language
from app.problems import ProblemKind
from tests.conftest import client_of, credentials, gateway_settings

UNKNOWN_NIK = "3171074508900999"


def test_every_problem_kind_has_an_indonesian_title_and_description():
    slugs = {kind.slug for kind in ProblemKind}

    assert set(INDONESIAN) == slugs
    for kind in ProblemKind:
        title, description = INDONESIAN[kind.slug]
        assert title.strip(), kind
        assert description.strip(), kind
        assert title != kind.title, f"{kind.slug}: the Indonesian title is the English one"
        assert description != kind.description, kind.slug


async def test_a_404_in_bahasa_indonesia(gateway):
    response = await gateway.get(f"/v1/citizens/{UNKNOWN_NIK}", headers={"Accept-Language": "id"})

    assert response.status_code == 404
    problem = response.json()
    assert problem["type"].endswith("/citizen-not-found")
    assert problem["title"] == "Warga tidak ditemukan"
    assert problem["detail"] == "Dukcapil tidak memiliki data warga dengan NIK ini."
    assert response.headers["content-language"] == "id"
    assert "accept-language" in response.headers["vary"].lower()


async def test_a_422_in_bahasa_indonesia_names_each_field(gateway):
    response = await gateway.get(
        f"/v1/citizens/{UNKNOWN_NIK}/businesses?page=0&page_size=500",
        headers={"Accept-Language": "id-ID,id;q=0.9,en;q=0.5"},
    )

    assert response.status_code == 422
    problem = response.json()
    assert problem["title"] == "Permintaan tidak valid"
    assert problem["detail"] == (
        "Isian yang tidak valid: page (parameter query); page_size (parameter query). Rincian "
        "tiap isian ada di `errors`."
    )
    assert [error["field"] for error in problem["errors"]] == ["page", "page_size"]
    assert response.headers["content-language"] == "id"


async def test_english_is_the_default(gateway):
    response = await gateway.get(f"/v1/citizens/{UNKNOWN_NIK}")

    assert response.json()["title"] == "Citizen not found"
    assert response.headers["content-language"] == "en"
    assert "accept-language" in response.headers["vary"].lower()


async def test_the_client_preference_by_quality_decides(gateway):
    indonesian = await gateway.get(
        f"/v1/citizens/{UNKNOWN_NIK}", headers={"Accept-Language": "en;q=0.4, id;q=0.8"}
    )
    english = await gateway.get(
        f"/v1/citizens/{UNKNOWN_NIK}", headers={"Accept-Language": "id;q=0.3, en-GB"}
    )

    assert indonesian.json()["title"] == "Warga tidak ditemukan"
    assert english.json()["title"] == "Citizen not found"


async def test_a_refusal_by_the_guard_has_its_own_indonesian_detail(gateway_app):
    async with client_of(gateway_app, {"Accept-Language": "id"}) as anonymous:
        response = await anonymous.get("/v1/me")

    assert response.status_code == 401
    problem = response.json()
    assert problem["title"] == "Autentikasi diperlukan"
    assert problem["detail"] == "kirim `Authorization: Bearer <access token>` atau `X-API-Key`"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_429_tells_in_bahasa_indonesia_how_long_to_wait(database_url, agencies):
    app = create_app(gateway_settings(database_url, rate_limit="1/hour"), agencies.http)
    async with app.router.lifespan_context(app):
        headers = {**await credentials(app), "Accept-Language": "id"}
        async with client_of(app, headers) as client:
            await client.get("/v1/agencies")
            refused = await client.get("/v1/agencies")

    assert refused.status_code == 429
    problem = refused.json()
    assert problem["title"] == "Terlalu banyak permintaan"
    wait = refused.headers["retry-after"]
    assert problem["detail"] == (
        f"melewati batas 1 permintaan per 3600 detik; coba lagi dalam {wait} detik"
    )
    assert refused.headers["ratelimit"] == f'"default";r=0;t={wait}'


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("", "en"),
        ("id", "id"),
        ("ID-id", "id"),
        ("in", "id"),
        ("in-ID, en;q=0.9", "id"),
        ("en, id", "en"),
        ("id, en", "id"),
        ("jv, id;q=0.7, en;q=0.6", "id"),
        ("fr, de", "en"),
        ("id;q=0", "en"),
        ("en;q=0, id;q=0.1", "id"),
        ("*", "en"),
        ("en;q=0.2, *;q=0.5", "id"),
        ("id;q=nonsense, en;q=0.1", "en"),
        ("id;q=1.5", "en"),
        (" , ;q=0.3, id ; q=0.7", "id"),
    ],
)
def test_accept_language_is_parsed_as_rfc_9110_says(header, language):
    assert preferred_language(header) == language
