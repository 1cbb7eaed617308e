"""Parsing and printing times: ISO 8601 in, ISO 8601 UTC with `Z` out."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from deploycount.errors import UsageError

# at most 18 ASCII digits: int() refuses more than 4,300, and no span is longer than 18
_RELATIVE = re.compile(r"^(\d{1,18})\s*([dwh])$", re.ASCII)
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_when(text: str, *, now: datetime, option: str) -> datetime:
    """`2026-10-01`, `2026-10-01T12:00:00+02:00`, `now`, or `28d`/`4w`/`12h` before `now`.

    A date or a time without an offset is taken as UTC, so the same flags give the same window on
    every runner.
    """
    value = text.strip()
    if value.lower() == "now":
        return now
    try:
        relative = _RELATIVE.match(value.lower())
        if relative:
            return now - int(relative[1]) * _UNITS[relative[2]]
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(value.replace("z", "Z"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except ValueError:
        raise UsageError(
            f"{option} {text[:60]!r} is not a date: use ISO 8601 (2026-10-01, "
            "2026-10-01T12:00:00Z) or a span before --until such as 28d, 4w or 12h"
        ) from None
    except OverflowError:
        raise UsageError(
            f"{option} {text[:60]!r} is outside the calendar deploycount can count in "
            "(years 1-9999)"
        ) from None


def parse_span(text: str, *, option: str) -> timedelta:
    """`1w`, `7d`, `24h`: a positive length of time."""
    relative = _RELATIVE.match(text.strip().lower())
    if not relative or int(relative[1]) == 0:
        raise UsageError(f"{option} {text[:60]!r} is not a length of time: use e.g. 1w, 7d or 24h")
    try:
        return int(relative[1]) * _UNITS[relative[2]]
    except OverflowError:
        raise UsageError(f"{option} {text[:60]!r} is longer than deploycount can count") from None


def iso_z(moment: datetime) -> str:
    """`2026-10-01T00:00:00Z`: UTC, seconds precision."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def from_iso_z(text: str) -> datetime:
    """The inverse of `iso_z` (the report's own times)."""
    return datetime.fromisoformat(text)


def utc_now() -> datetime:
    return datetime.now(tz=UTC)


def from_unix(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)
