"""Importing this module registers every rule family."""

from . import enrollment, identity, quality  # noqa: F401
