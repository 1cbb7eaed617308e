"""The pure core, called directly: no git, no CLI, no network. Table tests of linking, reverts,
lead-time statistics, window splitting, empty commits and config precedence."""

from __future__ import annotations

import statistics
from array import array
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deploycount.config import (
    DEFAULT_ENVIRONMENT,
    FileConfig,
    ReportOptions,
    parse_config,
    resolve_push_settings,
    resolve_record_settings,
    resolve_report_output,
    resolve_report_settings,
)
from deploycount.deploys.base import DeployEvent, shipped_shas, split_at_window
from deploycount.deploys.tags import _PRERELEASE, TagsSource, is_prerelease
from deploycount.errors import ConfigError, ShallowHistoryError, UsageError
from deploycount.history.columns import ASK_PARENT, COUNTED, EXCLUDED
from deploycount.history.linking import LinkedDeploy, link_deploys, reverted_shas
from deploycount.history.reading import compare_outside, outside_parents, revert_targets
from deploycount.identity import Person
from deploycount.metrics import lead_time_stats
from tests.history_rows import Built, Row, build, hexsha

T0 = datetime(2026, 10, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def deploy(id: str, sha: str, day: int, status: str = "success") -> DeployEvent:
    return DeployEvent(id, hexsha(sha), "production", T0 + timedelta(days=day), status)  # type: ignore[arg-type]


def graph(parents: dict[str, tuple[str, ...]]) -> Built:
    return build([Row(name, tuple(p)) for name, p in parents.items()])


def shipped_names(built: Built, linked: list[LinkedDeploy]) -> list[tuple[str, set[str]]]:
    return [(d.kind, built.names_of(d.shipped)) for d in linked]


# A line of history a <- b <- c <- d, and e branching off b.
PARENTS = {"a": (), "b": ("a",), "c": ("b",), "d": ("c",), "e": ("b",)}


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


# -- config ------------------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(text)
    return path


def test_flag_beats_file_beats_default(tmp_path: Path) -> None:
    config = parse_config(
        write(tmp_path, '[report]\nsince = "8w"\nenv = "staging"\nformat = "json"\n')
    )
    from_file = resolve_report_settings(ReportOptions(), config, now=NOW)
    assert from_file.since == NOW - timedelta(weeks=8)
    assert from_file.environment == "staging"
    flagged = resolve_report_settings(ReportOptions(since="2w", env="prod-eu"), config, now=NOW)
    assert (flagged.since, flagged.environment) == (NOW - timedelta(weeks=2), "prod-eu")
    default = resolve_report_settings(ReportOptions(), FileConfig(), now=NOW)
    assert default.since == NOW - timedelta(days=28) and default.until == NOW
    assert default.environment == DEFAULT_ENVIRONMENT and default.deploy_spec is None
    assert resolve_report_output(None, None, config) == ("json", None)
    assert resolve_report_output("table", "x.txt", config) == ("table", "x.txt")
    record = resolve_record_settings(None, None, config)
    assert (record.environment, record.remote) == ("staging", "origin")


def test_push_settings_precedence_and_header_expansion(tmp_path: Path) -> None:
    config = parse_config(
        write(
            tmp_path,
            '[push]\nsink = "otlp"\nto = "http://c:4318"\nheaders = ["X-Key: ${KEY}"]\n'
            "timeout = 5\n",
        )
    )
    settings = resolve_push_settings(
        sink=None, url=None, headers=None, timeout=None, max_retry_seconds=None,
        config=config.push, environ={"KEY": "k-123456"},
    )  # fmt: skip
    assert (settings.sink, settings.url, settings.timeout) == ("otlp", "http://c:4318", 5)
    assert settings.headers == {"X-Key": "k-123456"} and settings.max_retry_seconds == 60
    with pytest.raises(UsageError, match="KEY is not set"):
        resolve_push_settings(
            sink=None, url=None, headers=None, timeout=None, max_retry_seconds=None,
            config=config.push, environ={},
        )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[report]\nsince = 3\n", "report.since"),
        ("[reprot]\n", "unknown key"),
        ('[teams.all]\nmembers = ["a@x"]\n', "reserved"),
        ("[privacy]\nmin_team_size = 0\n", "privacy.min_team_size"),
        ("not toml =", "TOML: "),
    ],
)
def test_config_errors_name_the_key(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        parse_config(write(tmp_path, text))


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
    assert totals.size == 2 and totals.normalised_deployments == 0.25
    assert totals.reverted_commits.ai == 1 and totals.tools == {"cursor": 1}
    assert totals.lead_time_hours.ai.p50 == 24.0 and totals.lead_time_hours.human.p50 == 14.0
    assert [(d.kind, d.commits) for d in report.deployments] == [("ship", 2), ("ship", 0)]
    pay, web = report.teams
    assert (pay.team, pay.deployments, pay.ai_commits, pay.size) == ("pay", 1, 1, 1)
    assert web.reverted_commits is not None
    assert (web.team, web.commits, web.reverted_commits.human) == ("web", 1, 0)


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


# -- tag names ------------------------------------------------------------------------------------

_TAG_TEXT = st.text(alphabet="vV0123456789.-_+abcdeinoprtxyABRC*?[]!", max_size=16)


@settings(max_examples=500, deadline=None)
@given(
    name=_TAG_TEXT,
    globs=st.lists(_TAG_TEXT.filter(lambda g: g and g[0] != "+"), min_size=1, max_size=4),
)
def test_tag_globs_and_prereleases_answer_as_their_definitions(name: str, globs: list[str]) -> None:
    """The tag filter matches as `fnmatchcase` does, glob by glob; the pre-release test with its
    cheap letter check answers as the pattern alone."""
    include = [g for g in globs if not g.startswith("!")] or ["v*"]
    exclude = [g[1:] for g in globs if g.startswith("!") and len(g) > 1]
    source = TagsSource.from_argument(",".join([*include, *(f"!{g}" for g in exclude)]))
    expected = any(fnmatchcase(name, g) for g in source.include) and not any(
        fnmatchcase(name, g) for g in source.exclude
    )
    assert source.matches(name) == expected
    assert is_prerelease(name) == (_PRERELEASE.search(name) is not None)
