"""trainaudit — audit vocational-skills-training subsidy claims in batch."""

__version__ = "0.1.0"

from .api import audit, load_inputs, write_outputs  # noqa: E402
from .model import AuditReport, Finding, Severity  # noqa: E402

__all__ = [
    "audit",
    "load_inputs",
    "write_outputs",
    "AuditReport",
    "Finding",
    "Severity",
    "__version__",
]
