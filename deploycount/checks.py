"""One way to check what comes from outside: the config file, partial reports, deploy events (an
events file, the ledger's lines) and what GitHub answers.

A check takes a value and the field it sits at (dotted, as the input nests it) and returns the
value to keep, or raises `Invalid(field, reason)`. The edge that read the input names where it
came from, so every refusal reads the same: `WHERE: FIELD: REASON` (`said`), one line, exit 2.
Standard library only: the config is read by the commit hook.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Collection, Iterator
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError


class Invalid(ValueError):
    """One input value that does not fit: `field` (dotted) and why."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field if field.isprintable() else ascii(field)[1:-1]  # one line, always
        self.reason = reason
        super().__init__(f"{self.field}: {reason}")


def first_problem(error: ValidationError, whole: str) -> Invalid:
    """The first problem pydantic found (for what it checks: deploy events, a report read back);
    `whole` names the field when the problem is with the input as a whole."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or whole
    return Invalid(where, first["msg"])


def said(where: str, error: Invalid) -> str:
    """The one line that refuses an input: `WHERE: FIELD: REASON`."""
    return f"{where}: {error}"


def kind_of(value: object) -> str:
    """What a value read from TOML or JSON is, as an error says it."""
    names = {bool: "a boolean", int: "a whole number", float: "a decimal number",
             str: "a string", list: "an array", dict: "a table", type(None): "nothing"}  # fmt: skip
    return names.get(type(value), type(value).__name__)


def text(value: object, field: str, *, empty: bool = False) -> str:
    """A string; stripped and not empty unless `empty`."""
    if isinstance(value, date | time):
        raise Invalid(field, f'must be a quoted string, e.g. "{value}"')
    if not isinstance(value, str):
        raise Invalid(field, f"must be a string, not {kind_of(value)}")
    if empty:
        return value
    value = value.strip()
    if not value:
        raise Invalid(field, "must not be empty")
    return value


def whole_number(
    value: object, field: str, *, at_least: int = 0, at_most: int | None = None
) -> int:
    """An integer (not a boolean) within the bounds."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(field, f"must be a whole number, not {kind_of(value)}")
    if value < at_least:
        raise Invalid(field, f"must be at least {at_least}")
    if at_most is not None and value > at_most:
        raise Invalid(field, f"must be at most {at_most:,}")
    return value


TOO_LONG = "a number of more than 4,300 digits, which Python will not read"


class NotJson(ValueError):
    """Text that is not JSON: on which `line` (0: the text as a whole) and why."""

    def __init__(self, line: int, reason: str) -> None:
        self.line, self.reason = line, reason
        super().__init__(reason)


def json_value(text: str) -> object:
    """JSON text as Python values; every way json refuses it is NotJson: broken (with its
    line), nested too deeply, or a number of more than 4,300 digits (json reads it as an int,
    which Python refuses)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise NotJson(error.lineno, error.msg) from None
    except RecursionError:
        raise NotJson(0, "nested too deeply") from None
    except ValueError:
        raise NotJson(0, TOO_LONG) from None


def json_lines(text: str) -> Iterator[tuple[int, object]]:
    """(line, value) of each line of JSONL that is not blank, numbered from the text's first
    line; NotJson names the line."""
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            try:
                yield number, json_value(line)
            except NotJson as error:
                raise NotJson(number, error.reason) from None


def toml(text: str) -> dict[str, Any]:
    """TOML text as tables, or Invalid naming why not: broken, nested too deeply, or holding a
    number of more than 4,300 digits (tomllib reads it as an int, which Python refuses)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise Invalid("TOML", str(error)) from None
    except RecursionError:
        raise Invalid("TOML", "nested too deeply") from None
    except ValueError:
        raise Invalid("TOML", TOO_LONG) from None


def digits(text: str, most: int = 18) -> int | None:
    """`text` as a whole number when it is ASCII digits only, at most `most` of them (a count,
    a width, seconds read from the environment, an HTTP header or an export); else None.
    `str.isdigit` alone lets through "²" and other digits int() refuses, and int() refuses a
    number of more than 4,300 digits: both were crashes."""
    if text.isascii() and text.isdigit() and len(text) <= most:
        return int(text)
    return None


def number(
    value: object,
    field: str,
    *,
    above: float | None = None,
    at_least: float | None = None,
    at_most: float,
) -> float:
    """A finite number (not a boolean) within the bounds."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(field, f"must be a number, not {kind_of(value)}")
    if not math.isfinite(value):
        raise Invalid(field, "must be a finite number")
    if above is not None and not value > above:
        raise Invalid(field, f"must be greater than {above:g}")
    if at_least is not None and value < at_least:
        raise Invalid(field, f"must be at least {at_least:g}")
    if value > at_most:
        raise Invalid(field, f"must be at most {at_most:g}")
    return float(value)


def group_name(name: object, field: str, *, what: str, reserved: Collection[str],
               longest: int | None = None) -> str:  # fmt: skip
    """A team's or a service's name: visible, without blanks around it, not one the figures use
    themselves (`reserved`, any case)."""
    if (
        not isinstance(name, str)
        or not name.strip()
        or name != name.strip()
        or not name.isprintable()
        or (longest is not None and len(name) > longest)
    ):
        raise Invalid(
            field, f"{what} name {name!r} must be a visible name without blanks around it"
        )
    if name.lower() in reserved:
        raise Invalid(field, f"{what} name {name!r} is reserved")
    return name


def utc_time(value: object, field: str) -> datetime:
    """An ISO 8601 time in UTC (`2026-10-01T10:00:00Z` or `+00:00`)."""
    moment = None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = None
    if moment is None or moment.utcoffset() != timedelta(0):
        raise Invalid(field, f"{str(value)[:40]!r} is not an ISO 8601 UTC time")
    return moment
