"""Inline agency secrets in stored declarations: sealed with the gateway's secret key
(`SecretBox`), so a copy of the database alone gives no agency's credentials away, and never
shown again once stored.

A stored declaration is the declaration's JSON with each inline secret replaced by
`{"sealed": ...}`; a `secret_ref` stays as it is, since it names an environment variable, not
a secret. An administrator changing one field of a declaration should not have to send every
credential again, so a secret left out (neither `value` nor `secret_ref`) keeps the one the
previous version stored for the same source and the same kind of credential.
"""

from collections.abc import Iterator
from typing import Any

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


def _previous_sealed(previous: Stored | None) -> dict[tuple[str, str, str], str]:
    """Sealed secrets of the previous version by (source code, auth type, member)."""
    if previous is None:
        return {}
    found = {}
    for source in previous["sources"]:
        auth = source["auth"]
        for name, secret in _secrets(auth):
            if SEALED in secret:
                found[(source["agency"]["code"], auth["type"], name)] = secret[SEALED]
    return found


def seal(declaration: ProductDeclaration, box: SecretBox, previous: Stored | None) -> Stored:
    """The declaration as stored. A secret left out that no earlier version stored stays
    empty, for the store's check of missing credentials to name."""
    stored = declaration.model_dump(mode="json", by_alias=True)
    kept = _previous_sealed(previous)
    for source, dumped in zip(declaration.sources, stored["sources"], strict=True):
        auth = dumped["auth"]
        for name, _ in _secrets(auth):
            secret = getattr(source.auth, name)
            if secret.value is not None:
                auth[name] = {SEALED: box.seal(secret.value.get_secret_value())}
            elif secret.secret_ref is not None:
                auth[name] = {"secret_ref": secret.secret_ref}
            elif (sealed := kept.get((source.agency.code, auth["type"], name))) is not None:
                auth[name] = {SEALED: sealed}
            else:
                auth[name] = {}
    return stored


def _with_secrets(stored: Stored, show: Any) -> Stored:
    copy: Stored = {**stored, "sources": []}
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
