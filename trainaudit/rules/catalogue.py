"""Importing this module registers every rule family."""

from . import certificates, enrollment, fabrication, identity, payments, quality  # noqa: F401
