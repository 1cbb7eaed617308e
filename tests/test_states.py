"""history/states.py and the reading of reverts: whether each shipped commit counts."""

from __future__ import annotations

from array import array

from deploycount.history.columns import ASK_PARENT, COUNTED, EXCLUDED, REVERTED
from deploycount.history.reading import compare_outside, outside_parents, revert_targets
from deploycount.history.states import CommitStates, Known, mainline_marks
from tests.history_rows import Row, build, hexsha


def test_states_exclude_merges_and_empty_commits() -> None:
    empty_tree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
    built = build([
        Row("root", (), empty_tree), Row("c1", ("root",), "t1"), Row("same", ("c1",), "t1"),
        Row("merge", ("same", "side"), "t1"), Row("edge", ("outside",), "t9"),
        Row("other", ("outside",), "t8"), Row("changed", ("same",), "t2"),
    ])  # fmt: skip
    history = built.history
    state, asked = history.columns.states(array("i", range(len(history))))
    assert {built.name(r): state[r] for r in range(len(history))} == {
        "root": EXCLUDED, "c1": COUNTED, "same": EXCLUDED, "merge": EXCLUDED,
        "edge": ASK_PARENT, "other": ASK_PARENT, "changed": COUNTED,
    }  # fmt: skip
    outside = outside_parents(history, asked)
    assert set(outside.values()) == {hexsha("outside")}
    trees = {hexsha("outside"): hexsha("t9")}
    assert built.names_of(list(compare_outside(history, outside, trees))) == {"edge"}
    assert compare_outside(history, outside, {}) == set()


def test_revert_targets_resolve_unique_prefixes_only() -> None:
    def revert(name: str, target: str) -> Row:
        return Row(name, message=f'Revert "x"\n\nThis reverts commit {target}.\n')

    built = build([
        Row("abcdef01"), Row("abcdef02"), Row("1234aaaa"),
        revert("r1", "1234aaa"),
        revert("r2", "abcdef0"),  # ambiguous: dropped
        revert("r3", "fffffff"),  # not loaded: dropped
        revert("r4", hexsha("abcdef02")),
    ])  # fmt: skip
    history = built.history
    everything = set(range(len(history)))
    targets = revert_targets(history, everything)
    assert {built.name(r): [built.name(t) for t in found] for r, found in targets.items()} == {
        "r1": ["1234aaaa"], "r4": ["abcdef02"],
    }  # fmt: skip
    # only the reverts among the known rows count; their targets may be any loaded commit
    r1 = history.row(hexsha("r1"))
    assert set(revert_targets(history, {r1})) == {r1}


def test_a_squash_of_reverts_names_every_target() -> None:
    message = (
        "Revert two changes\n\n* Revert a\n\nThis reverts commit {a}.\n\n* Revert b\n\n"
        "This reverts commit {b}.\n\nThis reverts commit {a}.\n"
    ).format(a=hexsha("a1"), b=hexsha("b1"))
    built = build([Row("a1"), Row("b1"), Row("r", message=message)])
    history = built.history
    [(row, found)] = revert_targets(history, set(range(len(history)))).items()
    assert built.name(row) == "r" and [built.name(t) for t in found] == ["a1", "b1"]


def test_commit_states_count_exclude_and_revert_in_one_place() -> None:
    built = build([
        Row("c1", (), "t1"), Row("c2", ("c1",), "t2"), Row("same", ("c2",), "t2"),
        Row("m", ("same", "c1"), "t3"),
        Row("r", ("m",), "t4", message=f"Revert\n\nThis reverts commit {hexsha('c2')}.\n"),
    ])  # fmt: skip
    history = built.history
    rows = array("i", range(len(history)))
    states = CommitStates(history, rows, parent_trees=lambda shas: {})
    # an empty commit (its tree is its parent's), a merge and a revert never count
    assert {built.name(r): states.counts(r) for r in rows} == {
        "c1": True, "c2": True, "same": False, "m": False, "r": False,
    }  # fmt: skip
    state = states.with_reverted([history.row(hexsha("c2")), history.row(hexsha("same"))])
    assert {built.name(r): state[r] for r in rows} == {
        "c1": COUNTED, "c2": REVERTED, "same": EXCLUDED, "m": EXCLUDED, "r": EXCLUDED,
    }  # fmt: skip
    assert states.with_reverted([]) == states.with_reverted(()) != state  # a fresh copy each time


def test_the_main_line_is_what_its_tip_reaches() -> None:
    built = build([Row("a"), Row("b", ("a",)), Row("c", ("b",)), Row("side", ("a",))])
    marks = mainline_marks(built.history, hexsha("c"))
    assert {built.name(r) for r in range(len(marks)) if marks[r] >= 0} == {"a", "b", "c"}
    assert list(mainline_marks(built.history, None)) == [-1] * 4
    assert list(mainline_marks(built.history, hexsha("gone"))) == [-1] * 4


def test_known_rows_are_a_period_s_deploys_or_the_main_line() -> None:
    reached_by = array("i", [-2, 0, 1, 2, -1])  # rows 1..3 reached by deploys 0..2
    mainline = array("i", [-1, -1, -1, -1, 0])  # row 4 is on the main line only
    known = Known(reached_by, 1, 3, mainline)  # the period holds deploys 1 and 2
    assert [row in known for row in range(5)] == [False, False, True, True, True]
    assert list(known) == [2, 3, 4] and len(known) == 3
