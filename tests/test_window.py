"""window.py and deploys/base.py: what a window holds, its periods, and the warnings that explain
its zeros. Every figure is worked out by hand in the comments."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from deploycount.deploys.base import DeployEvent, shipped_shas, split_at_window
from deploycount.window import WindowFacts, period_count, periods, window_facts
from tests.history_rows import NOW, T0, deploy, hexsha

LATER = NOW + timedelta(days=30)  # "now", after the window


def test_split_at_window_and_shipped_shas() -> None:
    events = [
        deploy("old", "a", -3),
        deploy("edge", "b", 0),
        deploy("in-failed", "c", 2, "failure"),
        deploy("in", "c", 3),
        deploy("in-again", "c", 4),
        deploy("after", "d", 40),
    ]
    before, window = split_at_window(events, T0, NOW)
    assert [e.id for e in before] == ["old"]
    assert [e.id for e in window] == ["edge", "in-failed", "in", "in-again"]
    assert shipped_shas(window) == [hexsha("b"), hexsha("c")]


def facts(
    window: list[DeployEvent],
    *,
    events: list[DeployEvent] | None = None,
    first_known: DeployEvent | None = None,
    left_out: list[DeployEvent] | None = None,
    since: datetime = T0,
    until: datetime = NOW,
    now: datetime = LATER,
) -> WindowFacts:
    return window_facts(
        first_known=first_known, events=window if events is None else events, window=window,
        left_out=left_out or [], include_hint='tags = "v*,+prereleases"',
        environment="production", source="tags:v*", since=since, until=until, now=now,
    )  # fmt: skip


def test_a_window_with_deploys_says_nothing() -> None:
    found = facts([deploy("v2", "b", 3)], first_known=deploy("v1", "a", -10))
    assert found == WindowFacts(None, NOW, ())


def test_the_first_deploy_known_is_the_baseline_when_it_falls_in_the_window() -> None:
    first = deploy("v1", "a", 1)  # 2026-10-02
    found = facts([first, deploy("v2", "b", 3)], first_known=first)
    assert found.baseline == first
    [warning] = found.warnings
    assert warning.startswith("deploy v1 (2026-10-02) is the first production deploy tags:v*")


def test_no_deploy_in_the_window_names_the_last_one_and_how_long_ago() -> None:
    earlier = deploy("v1", "a", -3)  # 2026-09-28; the window ends 2026-11-01: 34 days
    [warning] = facts([], events=[earlier], first_known=earlier).warnings
    assert warning == (
        "no deploy of production in the window; the last one was v1 on 2026-09-28 "
        "(34 days before the window's end): deploycount report --since 2026-09-27 shows it"
    )
    # a window that ends after now counts to now: on 2026-10-08 that is 10 days
    [_, ends] = facts(
        [], events=[earlier], first_known=earlier, now=T0 + timedelta(days=7)
    ).warnings
    assert ends.startswith("the window ends in the future")
    [said, _] = facts(
        [], events=[earlier], first_known=earlier, now=T0 + timedelta(days=7)
    ).warnings
    assert said.endswith("(10 days before now): deploycount report --since 2026-09-27 shows it")


def test_no_deploy_at_all_says_how_to_have_some() -> None:
    [warning] = facts([], events=[]).warnings
    assert warning.startswith("no deploy of production from tags:v* at all")


@pytest.mark.parametrize(
    ("now", "elapsed", "said"),
    [
        # now is one week into the window: rates count that week only
        (
            T0 + timedelta(days=7),
            T0 + timedelta(days=7),
            "count its elapsed part only (1.00 weeks)",
        ),
        # the window has not started: nothing has elapsed
        (T0 - timedelta(days=1), T0, "the window starts in the future (2026-10-01 00:00 UTC)"),
    ],
)
def test_a_window_that_ends_in_the_future_counts_its_elapsed_part(
    now: datetime, elapsed: datetime, said: str
) -> None:
    found = facts([deploy("v2", "b", 3)], now=now)
    assert found.elapsed_until == elapsed and said in found.warnings[-1]


def test_pre_releases_left_out_in_the_window_are_named() -> None:
    left = [deploy("v2-rc1", "b", 2), deploy("v2-rc2", "b", 3), deploy("v0-rc1", "a", -5)]
    [warning] = facts([deploy("v2", "c", 4)], left_out=left).warnings
    assert warning.startswith("left out 2 pre-release tag(s) in the window (v2-rc1, v2-rc2)")


@pytest.mark.parametrize(
    ("days", "every", "cuts", "left_over"),
    [
        (15, 7, [1, 8, 15], 1),  # two weeks that end on the last day; the first day is left over
        (14, 7, [0, 7, 14], 0),
        (6, 7, [], 6),  # not one whole week
    ],
)
def test_periods_end_at_until_oldest_first(
    days: int, every: int, cuts: list[int], left_over: int
) -> None:
    day = timedelta(days=1)
    found, rest = periods(T0, T0 + days * day, every * day)
    assert found == [(T0 + a * day, T0 + b * day) for a, b in itertools.pairwise(cuts)]
    assert rest == left_over * day and period_count(T0, T0 + days * day, every * day) == len(found)


def test_more_periods_than_allowed_are_refused_before_any_is_made() -> None:
    with pytest.raises(ValueError, match="more than 1000"):
        periods(T0, T0 + timedelta(hours=1001), timedelta(hours=1))


def test_the_last_deploy_day_is_read_back_from_the_warning_that_says_it() -> None:
    from deploycount.window import last_deploy_day

    earlier = deploy("v1", "a", -3)
    warnings = facts([], events=[earlier], first_known=earlier).warnings
    assert last_deploy_day(warnings) == datetime(2026, 9, 28, tzinfo=UTC)
    assert last_deploy_day(["no deploy of production from tags:v* at all: tag releases"]) is None
