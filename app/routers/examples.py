"""Response examples for the OpenAPI document, taken from the demo world."""

from typing import Any

PROFILE: dict[str, Any] = {}
VEHICLES: dict[str, Any] = {}
BUSINESSES: dict[str, Any] = {}
VEHICLE: dict[str, Any] = {}
