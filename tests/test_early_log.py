"""A report on tags starts its `git log` while the tags are still being listed, so that git reads
the deploys before the window (which it must leave out) while Python reads the tags.

What is checked: the listing read line by line is the listing; the early log is used when it left
out exactly what the report leaves out, and stopped otherwise; no git process outlives a report;
and, on generated histories with branches, merges, deploys off every branch, pre-releases and
tags of tags, a report is the same whether its log started early or not.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deploycount import early, history
from deploycount.errors import RepositoryError
from tests.conftest import GitRepo, at, make_repo

CLAUDE_TRAILER = "Co-authored-by: Claude <noreply@anthropic.com>"
WINDOW = ("--since", "2026-10-01", "--until", "2026-10-29")


class _Recorded:
    """Every git process the report starts, to count them and to see that each was reaped."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []
        real = subprocess.Popen

        def popen(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
            process = real(*args, **kwargs)
            self.processes.append(process)
            return process

        monkeypatch.setattr(subprocess, "Popen", popen)

    def logs(self) -> list[subprocess.Popen[bytes]]:
        """The history's `git log --stdin` processes (not `--no-walk` ones)."""
        return [
            p
            for p in self.processes
            if "log" in p.args and "--stdin" in p.args and "--no-walk=unsorted" not in p.args
        ]

    def all_reaped(self) -> bool:
        return all(p.returncode is not None for p in self.processes)


def _history_with_deploys(repo: GitRepo) -> dict[str, str]:
    shas = {"base": repo.commit("initial", when="2026-09-01T10:00:00Z")}
    repo.tag("v0.9.0")
    shas["old"] = repo.commit(f"feat: old\n\n{CLAUDE_TRAILER}\n", when="2026-09-10T10:00:00Z")
    repo.tag("v0.10.0", annotated_at="2026-09-11T10:00:00Z")
    shas["new"] = repo.commit(f"feat: new\n\n{CLAUDE_TRAILER}\n", when="2026-10-05T10:00:00Z")
    repo.tag("v1.0.0", annotated_at="2026-10-06T10:00:00Z")
    return shas


# -- the listing, line by line -------------------------------------------------------------------


def test_the_listing_read_line_by_line_is_the_listing(repo: GitRepo) -> None:
    """Several pipe reads' worth of tags (names with multi-byte characters, so that a chunk can
    end inside one): the lines are the listing's, whole, in order."""
    base = repo.commit("one", when="2026-10-01T10:00:00Z")
    names = [f"v1.{n}.0-é€{'x' * (n % 40)}" for n in range(3000)]
    repo.git(
        "update-ref", "--stdin", input="".join(f"create refs/tags/{n} {base}\n" for n in names)
    )
    listing = early._EarlyTags(repo.path)
    lines = list(listing.lines())
    whole = listing.result()
    assert whole is not None
    assert len(whole) > 4 * early._CHUNK  # more than one read
    assert lines == whole.splitlines()
    tags = [history.tag_from_line(line) for line in lines]
    assert sorted(t.name for t in tags if t is not None) == sorted(names)
    assert None not in tags


def test_a_failed_listing_stops_its_lines_and_has_no_result(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("one", when="2026-10-01T10:00:00Z")
    repo.tag("v1.0.0")
    monkeypatch.setattr(early, "TAG_LISTING", ("for-each-ref", "--no-such-option"))
    listing = early._EarlyTags(repo.path)
    assert list(listing.lines()) == []
    assert listing.result() is None


def test_tag_lines_leave_the_listing_for_tags(repo: GitRepo) -> None:
    """`tag_lines` starts the listing when none was prefetched; `tags` then takes that same
    listing (one for-each-ref), and asks git itself the next time."""
    _history_with_deploys(repo)
    git = history.Repository(repo.path)
    assert early._PREFETCHED_TAGS == {}
    lines = list(git.tag_lines())
    assert len(early._PREFETCHED_TAGS) == 1
    tags = git.tags()
    assert early._PREFETCHED_TAGS == {}
    assert [history.tag_from_line(line) for line in lines] == tags
    assert [t.name for t in tags] == ["v0.10.0", "v0.9.0", "v1.0.0"]


# -- the early log in a report -------------------------------------------------------------------


def test_a_report_on_tags_uses_the_log_it_started_early(
    repo: GitRepo, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    shas = _history_with_deploys(repo)
    recorded = _Recorded(monkeypatch)
    done = run_cli("report", *WINDOW, "--format", "json", cwd=repo)
    assert done.exit_code == 0, done.stderr
    [log] = recorded.logs()  # one history log: the one started before the tags were read
    assert recorded.all_reaped()
    [deploy] = done.json()["deployments"]
    assert (deploy["commits"], deploy["ai_commits"]) == (
        1,
        1,
    )  # v1.0.0 shipped `new` only: `old` went before
    assert log.args[-3:] == ["--branches", "--remotes", "HEAD"]
    assert shas["new"] not in log.args  # the commits are on its stdin


def test_an_early_log_that_left_out_other_commits_is_stopped(
    repo: GitRepo, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tag of an annotated tag before the window: the early exclusions do not peel it, the
    report does, so the sets differ; the early log is stopped and a new one runs."""
    shas = _history_with_deploys(repo)
    repo.git("checkout", "-q", "-b", "hotfix", shas["old"])
    repo.commit("fix: hotfix", when="2026-09-20T10:00:00Z")
    repo.tag("inner", annotated_at="2026-09-20T11:00:00Z")
    repo.git(
        "tag",
        "-a",
        "v0.11.0",
        "-m",
        "nested",
        "inner",
        env={"GIT_COMMITTER_DATE": at("2026-09-21T10:00:00Z")},
    )
    repo.git("tag", "-d", "inner")  # only the tag of the tag names the commit now
    repo.git("checkout", "-q", "main")
    repo.git("branch", "-q", "-D", "hotfix")
    expected = _report_without_early_log(repo, run_cli, monkeypatch, WINDOW)
    recorded = _Recorded(monkeypatch)
    done = run_cli("report", *WINDOW, "--format", "json", cwd=repo)
    first, _ = recorded.logs()
    assert first.returncode is not None and first.returncode != 0  # killed
    assert recorded.all_reaped()
    assert _stable(done.json()) == expected
    assert [(d["id"], d["commits"]) for d in expected["deployments"]] == [("v1.0.0", 1)]


@pytest.mark.parametrize(
    "window",
    [
        ("--since", "2026-11-01", "--until", "2026-11-29"),
        ("--since", "2026-08-01", "--until", "2026-08-29"),
    ],
)
def test_a_window_without_deploys_leaves_no_git_running(
    repo: GitRepo, run_cli: Any, monkeypatch: pytest.MonkeyPatch, window: tuple[str, ...]
) -> None:
    _history_with_deploys(repo)
    recorded = _Recorded(monkeypatch)
    done = run_cli("report", *window, "--format", "json", cwd=repo)
    assert done.exit_code == 0, done.stderr
    assert done.json()["deployments"] == []
    assert recorded.logs()  # it was started
    assert recorded.all_reaped()


def test_a_failing_report_leaves_no_git_running(
    repo: GitRepo, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from deploycount.deploys.tags import TagsSource

    _history_with_deploys(repo)

    def broken(*_: object) -> None:
        raise RepositoryError("git for-each-ref failed: the disk went away")

    monkeypatch.setattr(TagsSource, "load", broken)
    recorded = _Recorded(monkeypatch)
    done = run_cli("report", *WINDOW, "--format", "json", cwd=repo)
    assert done.exit_code != 0
    assert "the disk went away" in done.stderr
    assert recorded.logs()
    assert recorded.all_reaped()


@pytest.mark.parametrize("when", ["while it reads the exclusions", "after it read them"])
def test_a_git_that_dies_early_is_run_again(
    repo: GitRepo, run_cli: Any, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    """An early log whose git is gone before the report takes it, killed as soon as it starts
    (the writer's next write fails) or once every exclusion is written (the report's write of
    the window's deploys finds it gone): a new one runs, and the report is the same."""
    _history_with_deploys(repo)
    expected = _report_without_early_log(repo, run_cli, monkeypatch, WINDOW)

    def kill(early: Any) -> None:
        early._process.kill()
        early._process.wait()

    if when == "while it reads the exclusions":
        real_start = history.Repository.start_log

        def start_then_kill(self: history.Repository, *args: Any, **kwargs: Any) -> None:
            real_start(self, *args, **kwargs)
            kill(self._early_log)

        monkeypatch.setattr(history.Repository, "start_log", start_then_kill)
    else:
        real_finish = history._EarlyLog.finish

        def kill_then_finish(self: Any, *args: Any) -> Any:
            self._writer.join()
            assert self._whole  # every exclusion was written while git was alive
            kill(self)
            return real_finish(self, *args)

        monkeypatch.setattr(history._EarlyLog, "finish", kill_then_finish)
    recorded = _Recorded(monkeypatch)
    done = run_cli("report", *WINDOW, "--format", "json", cwd=repo)
    assert done.exit_code == 0, done.stderr
    assert len(recorded.logs()) == 2
    assert recorded.all_reaped()
    assert _stable(done.json()) == expected


# -- the same reports either way -----------------------------------------------------------------


@dataclass(frozen=True)
class _Tag:
    name: str
    commit: int
    annotated_day: int | None  # None: a lightweight tag (its date is its commit's)
    nested: bool  # a tag of this (annotated) tag carries the name instead


@dataclass(frozen=True)
class _History:
    parents: list[list[int]]  # per commit, indices of earlier commits
    days: list[int]  # commit dates, in days from 2026-09-01 (any order)
    ai: list[bool]
    main: int  # the commit main points at; the rest are reachable only through tags
    side: int | None
    tags: list[_Tag]
    window: tuple[int, int]


@st.composite
def _histories(draw: st.DrawFn) -> _History:
    size = draw(st.integers(2, 14))
    parents: list[list[int]] = [[]]
    for n in range(1, size):
        first = draw(st.integers(0, n - 1))
        second = draw(st.one_of(st.none(), st.integers(0, n - 1)))
        parents.append([first] if second in (None, first) else [first, second])
    days = draw(st.lists(st.integers(0, 60), min_size=size, max_size=size))
    ai = draw(st.lists(st.booleans(), min_size=size, max_size=size))
    tags = []
    for number in range(draw(st.integers(0, 8))):
        name = draw(st.sampled_from([f"v1.{number}.0", f"v1.{number}.0-rc.1", f"v2.{number}"]))
        annotated = draw(st.one_of(st.none(), st.integers(0, 60)))
        nested = annotated is not None and draw(st.booleans())
        tags.append(_Tag(name, draw(st.integers(0, size - 1)), annotated, nested))
    since = draw(st.integers(0, 59))
    until = draw(st.integers(since + 1, 61))
    side = draw(st.one_of(st.none(), st.integers(0, size - 1)))
    return _History(parents, days, ai, draw(st.integers(0, size - 1)), side, tags, (since, until))


_FIRST_DAY = datetime(2026, 9, 1, 10, tzinfo=UTC)


def _day(day: int) -> int:
    """Unix time of 10:00 UTC, `day` days after 2026-09-01."""
    return int((_FIRST_DAY + timedelta(days=day)).timestamp())


def _build(path: Path, spec: _History) -> GitRepo:
    """The history through one `git fast-import`: every commit on a scratch branch, then main
    (and side) set, then the scratch branch deleted, so some commits only tags reach."""
    repo = make_repo(path)
    stream = []
    for n, (parents, day, ai) in enumerate(zip(spec.parents, spec.days, spec.ai, strict=True)):
        message = f"change {n}\n" + (f"\n{CLAUDE_TRAILER}\n" if ai else "")
        data = message.encode()
        stream.append(f"commit refs/heads/scratch\nmark :{n + 1}\n")
        stream.append(f"committer Dev One <dev1@example.com> {_day(day)} +0000\n")
        stream.append(f"data {len(data)}\n{message}\n")
        if parents:
            stream.append(f"from :{parents[0] + 1}\n")
        stream += [f"merge :{p + 1}\n" for p in parents[1:]]
        stream.append(f"M 644 inline file{n}\ndata 2\n{n % 10}\n\n")
    stream.append(f"reset refs/heads/main\nfrom :{spec.main + 1}\n\n")
    if spec.side is not None:
        stream.append(f"reset refs/heads/side\nfrom :{spec.side + 1}\n\n")
    seen = set()
    for tag in spec.tags:
        if tag.name in seen:
            continue
        seen.add(tag.name)
        inner = f"{tag.name}-inner" if tag.nested else tag.name
        if tag.annotated_day is None:
            stream.append(f"reset refs/tags/{inner}\nfrom :{tag.commit + 1}\n\n")
        else:
            text = f"release {inner}\n"
            stream.append(f"tag {inner}\nfrom :{tag.commit + 1}\n")
            stream.append(f"tagger Dev One <dev1@example.com> {_day(tag.annotated_day)} +0000\n")
            stream.append(f"data {len(text.encode())}\n{text}\n")
    stream.append("done\n")
    subprocess.run(
        ["git", "fast-import", "--quiet", "--done"],
        cwd=path,
        input="".join(stream).encode(),
        check=True,
    )
    repo.git("update-ref", "-d", "refs/heads/scratch")
    repo.git("symbolic-ref", "HEAD", "refs/heads/main")
    for tag in spec.tags:
        if tag.nested and tag.name in seen:
            seen.discard(tag.name)
            when = {"GIT_COMMITTER_DATE": f"{_day(tag.annotated_day or 0) + 60} +0000"}
            repo.git("tag", "-a", tag.name, "-m", "nested", f"{tag.name}-inner", env=when)
            repo.git("tag", "-d", f"{tag.name}-inner")
    return repo


def _stable(report: dict[str, Any]) -> dict[str, Any]:
    report.pop("generated_at", None)
    return report


def _report_without_early_log(
    repo: GitRepo, run_cli: Any, monkeypatch: pytest.MonkeyPatch, window: tuple[str, ...]
) -> dict[str, Any]:
    with monkeypatch.context() as patched:
        patched.setattr(history.Repository, "start_log", lambda *_, **__: None)
        done = run_cli("report", *window, "--format", "json", cwd=repo)
    assert done.exit_code == 0, done.stderr
    return _stable(done.json())


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=_histories())
def test_the_same_report_with_the_log_started_early_or_not(
    tmp_path_factory: pytest.TempPathFactory,
    run_cli: Any,
    monkeypatch: pytest.MonkeyPatch,
    spec: _History,
) -> None:
    repo = _build(tmp_path_factory.mktemp("history") / "repo", spec)
    since, until = (
        (_FIRST_DAY + timedelta(days=day, hours=-10)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for day in spec.window
    )
    window = ("--since", since, "--until", until)
    expected = _report_without_early_log(repo, run_cli, monkeypatch, window)
    with monkeypatch.context() as patched:
        recorded = _Recorded(patched)
        done = run_cli("report", *window, "--format", "json", cwd=repo)
    assert done.exit_code == 0, done.stderr
    assert recorded.all_reaped()
    assert _stable(done.json()) == expected, json.dumps(expected, indent=1)


def test_a_listing_nobody_took_is_not_left_for_the_next_report(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library caller whose report failed between the listing's start and the tags' reading
    (here: git log could not start) must not get that listing, stale, in its next report."""
    from deploycount.commands.report import _history_started
    from deploycount.deploys.tags import TagsSource

    _history_with_deploys(repo)
    git = history.Repository(repo.path)

    def cannot_start(*_: object, **__: object) -> None:
        raise RepositoryError("could not run git: no such file")

    monkeypatch.setattr(history.Repository, "start_log", cannot_start)
    source = TagsSource.from_argument("v*")
    since = datetime(2026, 10, 1, tzinfo=UTC)
    with pytest.raises(RepositoryError), _history_started(git, source, "production", since):
        pass
    assert early._PREFETCHED_TAGS == {}
    repo.tag("v2.0.0")
    assert "v2.0.0" in [t.name for t in git.tags()]
