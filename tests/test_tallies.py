"""tallies.py: the sums a report is computed from, added up and renumbered. Figures by hand."""

from __future__ import annotations

from deploycount.tallies import Tally, absorb, in_time_order
from tests.history_rows import partial_of, row_of, tally_of


def test_absorb_adds_every_sum_and_renumbers_the_deploys() -> None:
    into = tally_of([0], commits=1, people={"ann"}, human_lead=[3600.0], tools={})
    tally = tally_of(
        [0, 1], [1], commits=3, ai_commits=1, people={"ann", "ben"},
        ai_lead=[60.0], human_lead=[120.0, 180.0], tools={"cursor": 1},
    )  # fmt: skip
    tally.reverted_ai, tally.reverted_human = 2, 1
    absorb(into, tally, remap=[5, 7])  # its deploy 0 is ours 5, its 1 is ours 7
    assert into.deployments == {0, 5, 7} and into.ai_deployments == {7}
    assert (into.commits, into.ai_commits) == (4, 1)
    assert into.people == {"ann", "ben"}  # a person counts once
    assert list(into.ai_lead) == [60.0] and list(into.human_lead) == [3600.0, 120.0, 180.0]
    assert (into.reverted_ai, into.reverted_human, dict(into.tools)) == (2, 1, {"cursor": 1})


def test_absorbing_nothing_changes_nothing() -> None:
    into = tally_of([1], commits=2, people={"ann"})
    absorb(into, Tally(), remap=[])
    assert into == tally_of([1], commits=2, people={"ann"})


def test_in_time_order_sorts_the_rows_of_every_partial_and_maps_their_indices() -> None:
    # api deployed on days 3 and 1 (listed in that order), web on day 2.
    api = partial_of([row_of("a3", 3, 1), row_of("a1", 1, 2)],
                     tally_of([0, 1], [1], commits=3, ai_commits=1, people={"ann"}))  # fmt: skip
    web = partial_of([row_of("w2", 2, 1, repository="acme/web")],
                     tally_of([0], commits=1, people={"ann", "ben"}), repository="acme/web")  # fmt: skip
    rows, tallies, remaps = in_time_order([api, web])
    assert [r.id for r in rows] == ["a1", "w2", "a3"]
    # api's 0 (a3) is now 2, its 1 (a1) is 0; web's 0 (w2) is 1
    assert remaps == [[2, 0], [1]]
    totals = tallies.totals
    assert totals.deployments == {0, 1, 2} and totals.ai_deployments == {0}
    assert (totals.commits, totals.ai_commits, totals.people) == (4, 1, {"ann", "ben"})
