"""Importing this module registers every rule family."""

from . import (  # noqa: F401
    certificates,
    enrollment,
    fabrication,
    identity,
    payments,
    quality,
    staging,
)
