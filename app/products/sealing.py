"""Inline agency secrets in stored declarations: sealed with the gateway's secret key
(`SecretBox`), so a copy of the database alone gives no agency's credentials away, and never
shown again once stored.

A stored declaration is the declaration's JSON with each inline secret replaced by
`{"sealed": ...}`; a `secret_ref` stays as it is, since it names an environment variable, not
a secret. An administrator changing one field of a declaration should not have to send every
credential again, so a secret left out (neither `value` nor `secret_ref`) keeps the one the
previous version stored for the same source and the same kind of credential, as long as the
source's `base_url` keeps its origin (scheme, host and port). A secret was given for the host
it was sent with: kept across a change of origin, it would let whoever may change a
declaration send an agency's credential to any host the URL policy allows, without knowing it.
"""

from collections.abc import Iterator
from typing import Any

import httpx

from app.agencies.secrets import SecretBox
from app.products.declaration import ProductDeclaration

#: The auth members that hold a `Secret`, in every auth type of the declaration model.
SECRET_FIELDS = ("password", "token", "key")
SEALED = "sealed"

Stored = dict[str, Any]


def _secrets(auth: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name in SECRET_FIELDS:
        value = auth.get(name)
        if isinstance(value, dict):
            yield name, value


def origin(base_url: str) -> str:
    """`scheme://host:port`, the port written out even when it is the scheme's default, so
    that two spellings of one origin compare equal."""
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL:
        return base_url
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    return f"{url.scheme}://{url.host}:{port}"


def _previous_sealed(previous: Stored | None) -> dict[tuple[str, str, str], tuple[str, str]]:
    """Sealed secrets of the previous version by (source code, auth type, member), each with
    the origin it was sent to."""
    if previous is None:
        return {}
    found = {}
    for source in previous["sources"]:
        auth = source["auth"]
        for name, secret in _secrets(auth):
            if SEALED in secret:
                key = (source["agency"]["code"], auth["type"], name)
                found[key] = (secret[SEALED], origin(source["base_url"]))
    return found


def _left_out(declaration: ProductDeclaration) -> Iterator[tuple[int, str, str]]:
    """(source index, auth type, member) of every secret given neither way."""
    for index, source in enumerate(declaration.sources):
        for name in SECRET_FIELDS:
            secret = getattr(source.auth, name, None)
            if secret is not None and secret.value is None and secret.secret_ref is None:
                yield index, source.auth.type, name


def moved_secrets(
    declaration: ProductDeclaration, previous: Stored | None
) -> list[tuple[str, str]]:
    """(field, message) for each secret left out that the previous version stored for
    another origin than the source's `base_url` now has: it is not kept, and must be given
    again."""
    kept = _previous_sealed(previous)
    found = []
    for index, auth_type, name in _left_out(declaration):
        source = declaration.sources[index]
        earlier = kept.get((source.agency.code, auth_type, name))
        now = origin(source.base_url)
        if earlier is not None and earlier[1] != now:
            found.append(
                (
                    f"sources.{index}.auth.{name}",
                    f"the stored secret was given for {earlier[1]} and base_url now points "
                    f"at {now}: give `value` or `secret_ref` again",
                )
            )
    return found


def seal(declaration: ProductDeclaration, box: SecretBox, previous: Stored | None) -> Stored:
    """The declaration as stored. A secret left out that no earlier version stored for the
    source's origin stays empty, for the store's check of missing credentials to name."""
    stored = declaration.model_dump(mode="json", by_alias=True)
    kept = _previous_sealed(previous)
    for source, dumped in zip(declaration.sources, stored["sources"], strict=True):
        auth = dumped["auth"]
        for name, _ in _secrets(auth):
            secret = getattr(source.auth, name)
            earlier = kept.get((source.agency.code, auth["type"], name))
            if secret.value is not None:
                auth[name] = {SEALED: box.seal(secret.value.get_secret_value())}
            elif secret.secret_ref is not None:
                auth[name] = {"secret_ref": secret.secret_ref}
            elif earlier is not None and earlier[1] == origin(source.base_url):
                auth[name] = {SEALED: earlier[0]}
            else:
                auth[name] = {}
    return stored


BASIS_BEFORE_IT_WAS_STATED = {"processing_basis": "public_task"}
"""Versions stored before declarations stated their UU 27/2022 Pasal 20(2) ground are read
on the ground every source on the bus stands on: a public body's task or service under its own
law (huruf e). The stored history stays as the agency sent it; its next version states its own."""
CATEGORY_BEFORE_IT_WAS_STATED = {"specific_category": "other"}
"""Specific data stored before its Pasal 4(2) kind was stated reads as `other` (huruf g), the
one category that claims no particular kind."""


def _as_stated_today(stored: Stored) -> Stored:
    defaults = dict(BASIS_BEFORE_IT_WAS_STATED)
    if stored.get("classification") == "specific":
        defaults |= CATEGORY_BEFORE_IT_WAS_STATED
    return {**defaults, **stored}


def _with_secrets(stored: Stored, show: Any) -> Stored:
    copy: Stored = {**_as_stated_today(stored), "sources": []}
    for source in stored["sources"]:
        auth = dict(source["auth"])
        for name, secret in _secrets(source["auth"]):
            if SEALED in secret:
                auth[name] = show(secret[SEALED])
        copy["sources"].append({**source, "auth": auth})
    return copy


def unseal(stored: Stored, box: SecretBox) -> ProductDeclaration:
    """The declaration with its inline secrets in clear, for the adapters that send them."""
    return ProductDeclaration.model_validate(
        _with_secrets(stored, lambda sealed: {"value": box.open(sealed)})
    )


def shown(stored: Stored) -> Stored:
    """The stored declaration as an administrator may read it: an inline secret only as set."""
    return _with_secrets(stored, lambda _: {"value_set": True})
