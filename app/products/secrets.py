"""Where a declared source's credentials come from: given inline (the store keeps them sealed
and puts the opened value back before the declaration reaches the engine) or named by a
reference the gateway's own environment answers, so a declaration file holds no secret."""

from collections.abc import Mapping

from app.adapters.base import AgencyUnavailable
from app.products.declaration import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    ProductDeclaration,
    Secret,
    SourceDeclaration,
)

SECRET_ENV_PREFIX = "SATUPINTU_AGENCY_SECRET_"


def _secrets(source: SourceDeclaration) -> list[tuple[str, Secret]]:
    """The source's secrets, each with its field under the source."""
    auth = source.auth
    if isinstance(auth, BasicAuth):
        return [("auth.password", auth.password)]
    if isinstance(auth, BearerAuth):
        return [("auth.token", auth.token)]
    if isinstance(auth, ApiKeyAuth):
        return [("auth.key", auth.key)]
    return []


class SecretResolver:
    """Looks a reference up on every call (a dict lookup), not when the adapter is built,
    so an adapter never holds a copy of a credential that has since changed."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def resolve(self, secret: Secret) -> str:
        if secret.value is not None:
            return secret.value.get_secret_value()
        if secret.secret_ref is None:
            raise AgencyUnavailable("the declaration gives this source no credential")
        value = self._environ.get(SECRET_ENV_PREFIX + secret.secret_ref)
        if not value:
            raise AgencyUnavailable(f"secret {secret.secret_ref} is not set on the gateway")
        return value

    def missing(self, declaration: ProductDeclaration) -> list[tuple[str, str]]:
        """Every credential the declaration needs and the gateway cannot give, as
        (field, message): a registration that has them is refused before it is stored."""
        found = []
        for index, source in enumerate(declaration.sources):
            for field, secret in _secrets(source):
                where = f"sources.{index}.{field}"
                if secret.value is None and secret.secret_ref is None:
                    found.append((where, "give `value` or `secret_ref`"))
                elif secret.secret_ref is not None and not self._environ.get(
                    SECRET_ENV_PREFIX + secret.secret_ref
                ):
                    found.append(
                        (
                            where,
                            f"the gateway has no {SECRET_ENV_PREFIX}{secret.secret_ref} "
                            "in its environment",
                        )
                    )
        return found
