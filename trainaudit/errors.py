"""Exceptions: each message is one line naming the file, sheet, row and column."""


class TrainauditError(Exception):
    """Base of every error trainaudit raises on purpose."""


class InputError(TrainauditError):
    """An input cannot be audited: missing, unreadable, no recognisable header."""


class PolicyError(TrainauditError):
    """The policy file has an unknown key, a wrong type or an impossible value."""


class EngineError(TrainauditError):
    """A query failed; the message carries the query's label and SQL."""

    def __init__(self, label: str, sql: str, cause: Exception):
        self.label, self.sql, self.cause = label, sql, cause
        super().__init__(f"query {label} failed: {cause}")
