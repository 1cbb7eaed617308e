"""checks.py: the one set of checks every outside input goes through, and the line that refuses
one (`WHERE: FIELD: REASON`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from deploycount import checks
from deploycount.checks import Invalid


@pytest.mark.parametrize(
    ("check", "value", "expected"),
    [
        (lambda v: checks.whole_number(v, "n", at_most=5), 5, 5),
        (lambda v: checks.whole_number(v, "n", at_most=5), 6, "n: must be at most 5"),
        (lambda v: checks.whole_number(v, "n"), -1, "n: must be at least 0"),
        (lambda v: checks.whole_number(v, "n"), True, "n: must be a whole number, not a boolean"),
        (lambda v: checks.whole_number(v, "n"), 1.0, "n: must be a whole number, not a decimal number"),
        (lambda v: checks.whole_number(v, "n"), None, "n: must be a whole number, not nothing"),
        (lambda v: checks.number(v, "t", above=0, at_most=300), 0, "t: must be greater than 0"),
        (lambda v: checks.number(v, "t", above=0, at_most=300), float("nan"), "t: must be a finite number"),
        (lambda v: checks.number(v, "t", at_most=300), 2, 2.0),
        (lambda v: checks.text(v, "s"), "  a ", "a"),
        (lambda v: checks.text(v, "s"), "  ", "s: must not be empty"),
        (lambda v: checks.text(v, "s", empty=True), "", ""),
        (lambda v: checks.text(v, "s"), date(2026, 10, 1), 's: must be a quoted string, e.g. "2026-10-01"'),
        (lambda v: checks.utc_time(v, "at"), "2026-10-01T10:00:00Z", datetime(2026, 10, 1, 10, tzinfo=UTC)),
        (lambda v: checks.utc_time(v, "at"), "2026-10-01T10:00:00+02:00", "at: '2026-10-01T10:00:00+02:00' is not an ISO 8601 UTC time"),
        (lambda v: checks.utc_time(v, "at"), "2026-10-01", "at: '2026-10-01' is not an ISO 8601 UTC time"),
    ],
)  # fmt: skip
def test_each_check_keeps_a_value_or_says_what_is_wrong(
    check: Callable[[object], object], value: object, expected: object
) -> None:
    try:
        kept = check(value)
    except Invalid as error:
        kept = str(error)
    assert kept == expected


def test_a_refusal_is_one_line_whatever_the_field_holds() -> None:
    error = Invalid("teams.a\nb", "must name at least one member")
    assert checks.said("/repo/.deploycount.toml", error) == (
        "/repo/.deploycount.toml: teams.a\\nb: must name at least one member"
    )
    assert (error.field, error.reason) == ("teams.a\\nb", "must name at least one member")
