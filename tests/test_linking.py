"""history/linking.py: which deploy first shipped which commit, and each stream's marks."""

from __future__ import annotations

from array import array

import pytest

from deploycount.deploys.base import DeployEvent
from deploycount.errors import ShallowHistoryError
from deploycount.history.linking import (
    LinkedDeploy,
    last_success,
    link_deploys,
    link_streams,
    narrowed,
    reverted_shas,
    shipped_rows,
)
from tests.history_rows import PARENTS, deploy, graph, hexsha, shipped_names


@pytest.mark.parametrize(
    ("events", "previous", "expected"),
    [
        # one deploy ships everything reachable
        ([deploy("1", "d", 1)], None, [("ship", {"a", "b", "c", "d"})]),
        # a later deploy ships only what the earlier one did not
        (
            [deploy("1", "b", 1), deploy("2", "d", 2)],
            None,
            [("ship", {"a", "b"}), ("ship", {"c", "d"})],
        ),
        # the same sha again is a redeploy; an older shipped sha is a rollback
        (
            [deploy("1", "d", 1), deploy("2", "d", 2), deploy("3", "b", 3)],
            None,
            [("ship", {"a", "b", "c", "d"}), ("redeploy", set()), ("rollback", set())],
        ),
        # failed events ship nothing and do not move "the deploy just before"
        (
            [deploy("1", "c", 1), deploy("x", "d", 2, "failure"), deploy("2", "c", 3)],
            None,
            [("ship", {"a", "b", "c"}), ("failed", set()), ("redeploy", set())],
        ),
        # a branch deploy ships its own commit only
        (
            [deploy("1", "c", 1), deploy("2", "e", 2)],
            None,
            [("ship", {"a", "b", "c"}), ("ship", {"e"})],
        ),
    ],
)
def test_link_deploys(
    events: list[DeployEvent], previous: str | None, expected: list[tuple[str, set[str]]]
) -> None:
    built = graph(PARENTS)
    linked = link_deploys(events, previous and hexsha(previous), built.history.columns)
    assert shipped_names(built, linked) == expected


def test_link_deploys_treats_commits_outside_the_graph_as_shipped_before() -> None:
    # `b` and `a` were shipped before the window, so they are not in the loaded graph.
    built = graph({"c": ("b",), "d": ("c",)})
    linked = link_deploys([deploy("1", "d", 1)], hexsha("b"), built.history.columns)
    assert shipped_names(built, linked) == [("ship", {"c", "d"})]
    # the last deploy before the window shipped d: deploying it again is a redeploy, b a rollback
    nothing = graph({}).history.columns
    again = link_deploys([deploy("1", "d", 1), deploy("2", "b", 2)], hexsha("d"), nothing)
    assert [d.kind for d in again] == ["redeploy", "rollback"]


def test_link_deploys_stops_at_a_shallow_boundary() -> None:
    with pytest.raises(ShallowHistoryError, match="fetch-depth: 0"):
        link_deploys(
            [deploy("1", "d", 1)], None, graph(PARENTS).history.columns, shallow=[hexsha("b")]
        )


def test_the_baseline_ships_nothing_and_hides_its_history() -> None:
    events = [deploy("first", "b", 1), deploy("next", "d", 2), deploy("branch", "e", 3)]
    built = graph(PARENTS)
    linked = link_deploys(
        events, None, built.history.columns, shallow=[hexsha("a")], baseline=events[0]
    )
    assert shipped_names(built, linked) == [
        ("baseline", set()),
        ("ship", {"c", "d"}),
        ("ship", {"e"}),
    ]


@pytest.mark.parametrize(
    ("reverts", "expected"),
    [
        ({}, set()),
        ({"r1": "x"}, {"x"}),
        # a re-apply (revert of the revert) brings x back; r1 itself is reverted
        ({"r1": "x", "r2": "r1"}, {"r1"}),
        # reverting the re-apply reverts x again
        ({"r1": "x", "r2": "r1", "r3": "r2"}, {"x", "r2"}),
        # two reverts of x, one of them re-applied: x stays reverted
        ({"r1": "x", "r2": "x", "r3": "r1"}, {"x", "r1"}),
        # a cycle only a forged message can make resolves without looping
        ({"p": "q", "q": "p"}, set()),
        # a squash of two reverts reverts both
        ({"r1": ("x", "y")}, {"x", "y"}),
        # ... and re-applying that squash brings both back
        ({"r1": ("x", "y"), "r2": "r1"}, {"r1"}),
    ],
)
def test_reverted_shas(reverts: dict[str, str | tuple[str, ...]], expected: set[str]) -> None:
    result = reverted_shas({r: (t,) if isinstance(t, str) else t for r, t in reverts.items()})
    if set(reverts) == {"p", "q"}:
        # In a cycle exactly one side is reverted, whichever the walk reached first.
        assert len(result) == 1 and result <= {"p", "q"}
    else:
        assert result == expected


def test_link_streams_marks_what_each_stream_shipped_before_and_in_the_span() -> None:
    built = graph(PARENTS)
    columns = built.history.columns
    # stream 0 shipped b before the span and d in it; stream 1 ships e in it, nothing before
    before = [deploy("v1", "b", -1), deploy("v0-failed", "a", -2, "failure")]
    links = link_streams(
        columns, [(before, [deploy("v2", "d", 1)]), ([], [deploy("w1", "e", 2)])], [None, None]
    )
    (first, first_marks), (second, second_marks) = links
    assert shipped_names(built, first) == [("ship", {"c", "d"})]
    assert {built.name(r): first_marks[r] for r in range(len(columns))} == {
        "a": -2, "b": -2, "c": 0, "d": 0, "e": -1,  # -2: before the span; 0: its deploy 0
    }  # fmt: skip
    # the other stream had shipped nothing: its first deploy ships all it reaches
    assert shipped_names(built, second) == [("ship", {"a", "b", "e"})]
    assert {built.name(r) for r in range(len(columns)) if second_marks[r] == 0} == {"a", "b", "e"}
    # the rows shipped in the span, each once, in the order the streams shipped them
    assert [built.name(r) for r in shipped_rows(links)][:2] in (["d", "c"], ["c", "d"])
    assert sorted(built.name(r) for r in shipped_rows(links)) == ["a", "b", "c", "d", "e"]


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([], None),
        ([deploy("1", "a", 1), deploy("2", "b", 2, "failure")], "a"),
        ([deploy("1", "a", 1), deploy("2", "b", 2)], "b"),
    ],
)
def test_last_success(events: list[DeployEvent], expected: str | None) -> None:
    assert last_success(events) == (hexsha(expected) if expected else None)


def test_shipped_rows_are_each_once() -> None:
    built = graph(PARENTS)
    e = LinkedDeploy(deploy("1", "d", 1), "ship", array("i", [3, 2]))
    again = LinkedDeploy(deploy("2", "d", 2), "ship", array("i", [2, 1]))
    assert list(shipped_rows([([e, again], array("i"))])) == [3, 2, 1]
    assert len(built.history) == 5


@pytest.mark.parametrize(
    ("deploys", "code"),
    [(1, "b"), (127, "b"), (128, "h"), (32_767, "h"), (32_768, "i"), (1_000_000, "i")],
)
def test_the_marks_are_kept_in_the_narrowest_array(deploys: int, code: str) -> None:
    """Each stream keeps a mark per row (-2: an earlier deploy, -1: none, else the deploy's
    number): one byte each up to 127 deploys, two up to 32,767, the same values."""
    marks = [-2, -1, 0, deploys - 1, deploys // 2, -1]
    kept = narrowed(array("i", marks), deploys)
    assert (kept.typecode, list(kept)) == (code, marks)


def test_a_streams_marks_are_narrowed_and_read_the_same() -> None:
    built = graph(PARENTS)
    [(linked, marks)] = link_streams(built.history.columns, [([], [deploy("1", "d", 1)])], [None])
    # one deploy, which reaches a, b, c and d; e is on a branch it does not reach
    assert marks.typecode == "b"
    assert [marks[built.history.row(hexsha(c))] for c in "abcde"] == [0, 0, 0, 0, -1]
    assert sorted(linked[0].shipped) == sorted(built.history.row(hexsha(c)) for c in "abcd")


def test_streams_with_the_same_deploys_share_one_walk_and_one_array_of_marks() -> None:
    """3,000 services that all take `v*` tags kept 3,000 arrays of marks (memory grew with
    services times commits, issue 36.13): streams whose deploys are the same commits with the same
    outcomes share one array, each keeping its own events; any difference links on its own."""
    built = graph(PARENTS)
    columns = built.history.columns

    def stream(service: str, last: str = "d") -> tuple[list[DeployEvent], list[DeployEvent]]:
        before = [deploy("v1", "b", -1, service=service)]
        return before, [
            deploy("v2", "c", 1, service=service),
            deploy("v3", last, 2, service=service),
        ]

    parts = [stream("api"), stream("web"), stream("docs", last="e"), stream("cli")]
    links = link_streams(columns, parts, [None] * 4)
    (api, api_marks), (web, web_marks), (docs, docs_marks), (cli, cli_marks) = links
    assert api_marks is web_marks is cli_marks and docs_marks is not api_marks
    assert [d.event.service for d in web] == ["web", "web"]
    assert [d.event.service for d in cli] == ["cli", "cli"]
    assert shipped_names(built, web) == shipped_names(built, api) == [
        ("ship", {"c"}), ("ship", {"d"}),
    ]  # fmt: skip
    assert shipped_names(built, docs) == [("ship", {"c"}), ("ship", {"e"})]
    # each is what linking the stream alone gives
    for part, (linked, marks) in zip(parts, links, strict=True):
        [(alone, alone_marks)] = link_streams(columns, [part], [None])
        assert alone == linked and list(alone_marks) == list(marks)
    # a baseline at a different deploy is a different link
    baselined = link_streams(columns, parts[:2], [None, parts[1][1][0]])
    assert baselined[0][1] is not baselined[1][1]
