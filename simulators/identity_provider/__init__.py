"""IKD-like national digital identity: an OpenID Connect provider citizens sign in at.

The names other processes need (the stack, gateway tests) live here, so that reading them
does not build the demo world or make a signing key as importing the app does."""

from typing import Final

DEMO_PIN: Final = "123456"
"""Every demo citizen's PIN: the world is invented, so a secret PIN would protect nobody."""
CONTROL_KEY_HEADER: Final = "X-Control-Key"
"""Carries `SIM_IDP_CONTROL_KEY` to `POST /_control/id-token`."""
ISSUER_ENV: Final = "SIM_IDP_ISSUER"
CLIENTS_ENV: Final = "SIM_IDP_CLIENTS"
SIGNING_KEY_ENV: Final = "SIM_IDP_SIGNING_KEY"
CONTROL_KEY_ENV: Final = "SIM_IDP_CONTROL_KEY"
