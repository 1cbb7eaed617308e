"""The errors deploycount raises: one root class, one subclass per kind of failure.

The CLI maps each class to an exit code (README "Exit codes and errors"); the core never exits or
prints.
"""

from __future__ import annotations


class DeploycountError(Exception):
    """Root of every error deploycount raises on purpose; its message is one actionable line."""

    exit_code = 2


class UsageError(DeploycountError):
    """A flag, date, spec or other argument the user gave cannot be used."""


class ConfigError(DeploycountError):
    """The configuration file is missing a key, has an unknown one, or a value of the wrong type."""


class RepositoryError(DeploycountError):
    """The directory is not a git repository, or git itself failed on it."""


class ShallowHistoryError(DeploycountError):
    """The clone is shallow and lacks commits the report needs."""


class DeployInputError(DeploycountError):
    """A deploy event source holds something that is not a valid event."""


class ExternalServiceError(DeploycountError):
    """An outside system (metrics endpoint, GitHub) failed after retries.

    Carries the facts callers decide on (the HTTP status, the `Retry-After` it saw), so no caller
    ever has to read them back out of the message text."""

    exit_code = 1

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class LintFailure(DeploycountError):
    """`lint` found problems in commit messages."""

    exit_code = 1
