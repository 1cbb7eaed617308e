"""metrics.py: tallies and the report's figures, computed without git."""

from __future__ import annotations

import statistics
from array import array
from datetime import timedelta

import pytest

from deploycount.history.columns import COUNTED, EXCLUDED
from deploycount.history.linking import link_deploys, reverted_shas
from deploycount.history.reading import revert_targets
from deploycount.identity import Person
from deploycount.metrics import lead_time_stats
from tests.history_rows import T0, Row, build, deploy, hexsha


@pytest.mark.parametrize(
    "values",
    [[5.0], [1.0, 3.0], [1.0, 2.0, 3.0, 4.0], [0.5, 100.0, 7.0, 3.25, 9.0, 11.0, 2.0, 40.0]],
)
def test_lead_time_stats(values: list[float]) -> None:
    stats = lead_time_stats(values)
    assert stats.n == len(values)
    assert stats.p50 == round(statistics.median(values), 2)
    if len(values) == 1:
        assert stats.p90 == values[0]
    else:
        expected = statistics.quantiles(values, n=10, method="inclusive")[8]
        assert stats.p90 == round(expected, 2)


def test_lead_time_stats_of_nothing() -> None:
    stats = lead_time_stats([])
    assert (stats.n, stats.p50, stats.p90) == (0, None, None)


@pytest.mark.parametrize(
    ("person_weeks", "weeks", "size"),
    [
        ({("ann", 0), ("ann", 1), ("ben", 0)}, 2.0, 1.5),  # whole weeks: 3 person-weeks / 2
        ({("ann", 0)}, 3 / 7, 1.0),  # a 3-day window: ann is one person, not 2.33
        ({("ann", 0), ("ann", 1)}, 10 / 7, 1.0),  # 10 days: a week and 3 days, both ann's
        ({("ann", 0), ("ben", 1)}, 10 / 7, 1.0),  # ann's whole week 7/10, ben's 3 days 3/10
        ({("ann", 1)}, 10 / 7, 0.3),  # only in the last 3 days: 3/7 of a week over 10/7
        ({("ann", 0)}, 0.0, 0.0),
    ],
)
def test_the_active_size_weighs_the_last_part_week_by_its_length(
    person_weeks: set[tuple[str, int]], weeks: float, size: float
) -> None:
    from deploycount.metrics import active_size
    from tests.history_rows import tally_of

    people = {person for person, _ in person_weeks}
    found = active_size(tally_of(people=people, person_weeks=person_weeks), weeks)
    assert found == pytest.approx(size)
    assert found <= len(people)


def test_tally_and_build_report_without_git() -> None:
    from deploycount.attribution import builtin_markers
    from deploycount.identity import Confidence
    from deploycount.metrics import build_report, tally_history
    from deploycount.teams import Team, TeamDirectory

    ann, ben = Person("Ann", "ann@pay.example"), Person("Ben", "ben@web.example")
    base = int(T0.timestamp())
    ai = "\n\nAssisted-by: cursor\n"
    built = build([
        Row("c1", (), "t1", base, ann, "one" + ai),
        Row("c2", ("c1",), "t2", base + 10 * 3600, ben, "two"),
        Row("c3", ("c2",), "t3", base + 20 * 3600, ann, "three" + ai),
        Row("f3", ("c3",), "t4", base + 30 * 3600, ben,
            f"Revert three\n\nThis reverts commit {hexsha('c3')}.\n"),
    ])  # fmt: skip
    history = built.history
    events = [deploy("1", "c2", 1), deploy("2", "f3", 2)]
    linked = link_deploys(events, None, history.columns)
    directory = TeamDirectory(
        (Team("pay", ("*@pay.example",)), Team("web", ("*@web.example",))), builtin_markers()
    )
    state, _ = history.columns.states(array("i", range(len(history))))
    for row in history.reverts:
        state[row] = EXCLUDED
    for row in reverted_shas(revert_targets(history, set(range(len(history))))):
        state[row] = 1 if state[row] == COUNTED else state[row]
    tallies, people = tally_history(
        linked, history, state, minimum=Confidence.MEDIUM, directory=directory, mailmap={}
    )
    report = build_report(
        repository="acme/api", environment="production", deploy_source="file:x", since=T0,
        until=T0 + timedelta(weeks=2), linked=linked, tallies=tallies, people=people,
        directory=directory, min_team_size=1, warnings=[],
    )  # fmt: skip
    totals = report.totals
    # deploy 1 ships c1 (AI) and c2; deploy 2 ships c3 (reverted) and r3 (a revert): nothing counts
    assert (totals.deployments, totals.ai_deployments, totals.commits, totals.ai_commits) == (
        1, 1, 2, 1,
    )  # fmt: skip
    # ann and ben were active in the window's first week (deploy 1 shipped their commits): two
    # person-weeks over two weeks is an active size of 1.0, and one deploy per two person-weeks
    assert (totals.people, totals.size, totals.normalised_deployments) == (2, 1.0, 0.5)
    assert totals.reverted_commits.ai == 1 and totals.tools == {"cursor": 1}
    assert totals.lead_time_hours.ai.p50 == 24.0 and totals.lead_time_hours.human.p50 == 14.0
    assert [(d.kind, d.commits) for d in report.deployments] == [("ship", 2), ("ship", 0)]
    pay, web = report.teams
    assert (pay.team, pay.deployments, pay.ai_commits, pay.size) == ("pay", 1, 1, 0.5)
    assert web.reverted_commits is not None
    assert (web.team, web.commits, web.reverted_commits.human) == ("web", 1, 0)
