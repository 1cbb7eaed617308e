"""The errors deploycount raises: one root class, one subclass per kind of failure.

The CLI maps each class to an exit code (contract section 9); the core never exits or prints.
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
    """An outside system (metrics endpoint, GitHub) failed after retries."""

    exit_code = 1


class LintFailure(DeploycountError):
    """`lint` found problems in commit messages."""

    exit_code = 1
