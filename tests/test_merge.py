"""merge.py: many repositories in one report. Deploys add up, a person counts once, lead times are
over every commit, the strictest privacy floor applies. Figures by hand in the comments."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from deploycount.errors import UsageError
from deploycount.merge import merge
from deploycount.tallies import Partial
from tests.history_rows import partial_of, row_of, tally_of

HOUR = 3600.0


def api_and_web() -> tuple[Partial, Partial]:
    # api: v1 on day 1 ships 2 commits (1 AI, by ann, 2 h lead; ben's human, 4 h)
    api = partial_of(
        [row_of("v1", 1, 2, 1)],
        tally_of([0], [0], commits=2, ai_commits=1, people={"ann", "ben"},
                 ai_lead=[2 * HOUR], human_lead=[4 * HOUR], tools={"cursor": 1}),
        teams={"pay": tally_of([0], [0], commits=2, ai_commits=1, people={"ann", "ben"},
                               ai_lead=[2 * HOUR], human_lead=[4 * HOUR], tools={"cursor": 1})},
        declared=[("pay", None)],
    )  # fmt: skip
    # web: w1 on day 0 ships 1 human commit by ann (6 h)
    web = partial_of(
        [row_of("w1", 0, 1, repository="acme/web")],
        tally_of([0], commits=1, people={"ann"}, human_lead=[6 * HOUR]),
        teams={"pay": tally_of([0], commits=1, people={"ann"}, human_lead=[6 * HOUR])},
        repository="acme/web", declared=[("pay", None)],
    )  # fmt: skip
    return api, web


def test_deploys_add_up_and_a_person_counts_once() -> None:
    report = merge(api_and_web())
    totals = report.totals
    assert report.repository == "acme/*" and report.repositories == ["acme/api", "acme/web"]
    assert [d.id for d in report.deployments] == ["w1", "v1"]  # in time order
    assert (totals.deployments, totals.ai_deployments, totals.commits, totals.ai_commits) == (
        2, 1, 3, 1,
    )  # fmt: skip
    assert totals.people == 2  # ann in both repositories is one person
    # ann and ben each active in the first week: 2 person-weeks over 31/7 weeks; 2 deploys per
    # 2 person-weeks is 1.0
    assert totals.size == round(2 / (31 / 7), 2) and totals.normalised_deployments == 1.0
    # human lead times 4 h and 6 h: the median of both repositories' values, not of medians
    assert totals.lead_time_hours.human.p50 == 5.0 and totals.lead_time_hours.ai.p50 == 2.0
    [pay] = report.teams
    assert (pay.team, pay.deployments, pay.commits, pay.people) == ("pay", 2, 3, 2)


def test_the_strictest_privacy_floor_applies_to_the_merged_team() -> None:
    api, web = api_and_web()
    report = merge([replace(api, min_team_size=3), web])
    [pay] = report.teams
    assert pay.suppressed and pay.commits is None  # 2 people, floor 3
    assert any("different privacy floors (1, 3)" in w for w in report.warnings)


def test_a_team_declared_twice_with_two_sizes_keeps_the_first_and_says_so() -> None:
    api, web = api_and_web()
    report = merge([replace(api, teams=[("pay", 5)]), replace(web, teams=[("pay", 8)])])
    assert report.teams[0].size == 5
    assert any("declared with size 5 in one repository and 8 in acme/web" in w
               for w in report.warnings)  # fmt: skip


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"until": "2026-11-02T00:00:00Z"}, "make every partial with the same --env"),
        ({"environment": "staging"}, "make every partial with the same --env"),
        ({"key_id": "another"}, "another DEPLOYCOUNT_PEOPLE_KEY"),
        ({"repository": "acme/api"}, "acme/api: given more than once"),
    ],
)
def test_partials_that_cannot_be_added_are_refused(change: dict[str, Any], fragment: str) -> None:
    api, web = api_and_web()
    with pytest.raises(UsageError, match=fragment):
        merge([api, replace(web, **change)])


def test_nothing_to_merge_is_refused() -> None:
    with pytest.raises(UsageError, match="at least one partial"):
        merge([])
