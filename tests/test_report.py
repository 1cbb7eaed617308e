"""`deploycount report` on real repositories: linking, counting, teams, windows, formats."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GitRepo, RunCli, at

ALICE = "Alice <alice@pay.example.com>"
BOB = "Bob <bob@pay.example.com>"
CAROL = "Carol <carol@web.example.com>"
CLAUDE_TRAILER = "Co-authored-by: Claude <noreply@anthropic.com>"
WINDOW = ("--since", "2026-10-01", "--until", "2026-10-29")


def events_file(path: Path, events: list[dict[str, Any]]) -> str:
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    return f"file:{path}"


def event(
    id: str, sha: str, time: str, status: str = "success", env: str = "production"
) -> dict[str, Any]:
    return {"id": id, "sha": sha, "time": time, "status": status, "environment": env}


@pytest.fixture
def history(repo: GitRepo) -> dict[str, str]:
    """A small history with every kind of commit deploycount treats differently."""
    shas = {}
    shas["base"] = repo.commit("initial", author=BOB, when="2026-09-01T10:00:00Z")
    shas["ai1"] = repo.commit(
        f"feat: pay\n\nBody.\n\n{CLAUDE_TRAILER}\n", author=ALICE, when="2026-10-02T10:00:00Z"
    )
    shas["human1"] = repo.commit("fix: rounding", author=BOB, when="2026-10-03T10:00:00Z")
    shas["empty"] = repo.commit("chore: empty", author=BOB, when="2026-10-06T10:00:00Z", empty=True)
    shas["ai_reverted"] = repo.commit(
        "feat: risky\n\nAssisted-by: Cursor:gpt-5\n", author=ALICE, when="2026-10-07T10:00:00Z"
    )
    repo.git("checkout", "-q", "-b", "topic")
    shas["topic"] = repo.commit(
        "feat: web page", author=CAROL, when="2026-10-07T12:00:00Z", file="web.txt"
    )
    repo.git("checkout", "-q", "main")
    shas["merge"] = repo.merge("topic", when="2026-10-08T10:00:00Z")
    shas["revert"] = repo.revert(shas["ai_reverted"], when="2026-10-09T10:00:00Z")
    return shas


def test_every_deploy_kind_and_every_uncounted_commit(
    repo: GitRepo, history: dict[str, str], tmp_path: Path, run_cli: RunCli
) -> None:
    spec = events_file(
        tmp_path / "events.ndjson",
        [
            event("d0", history["base"], "2026-09-02T00:00:00Z"),
            event("d1", history["human1"], "2026-10-05T00:00:00Z"),
            event("d1-again", history["human1"], "2026-10-05T06:00:00Z"),
            event("d2-failed", history["revert"], "2026-10-09T12:00:00Z", status="failure"),
            event("d2", history["revert"], "2026-10-10T00:00:00Z"),
            event("back-to-d1", history["human1"], "2026-10-11T00:00:00Z"),
            event("staging", history["revert"], "2026-10-12T00:00:00Z", env="staging"),
        ],
    )
    result = run_cli("report", "--format", "json", "--deploys", spec, *WINDOW, cwd=repo)
    assert result.exit_code == 0, result.stderr
    report = result.json()

    kinds = [(d["id"], d["kind"], d["commits"], d["ai_commits"]) for d in report["deployments"]]
    assert kinds == [
        ("d1", "ship", 2, 1),  # ai1 + human1; base shipped before the window
        ("d1-again", "redeploy", 0, 0),
        ("d2-failed", "failed", 0, 0),
        ("d2", "ship", 1, 0),  # only topic counts: empty, merge, revert and reverted do not
        ("back-to-d1", "rollback", 0, 0),
    ]
    totals = report["totals"]
    assert totals["deployments"] == 2
    assert totals["ai_deployments"] == 1
    assert totals["commits"] == 3
    assert totals["ai_commits"] == 1
    assert totals["ai_commit_share"] == pytest.approx(0.3333, abs=1e-4)
    assert totals["reverted_commits"] == {"ai": 1, "human": 0}
    assert totals["rollbacks"] == 1
    assert totals["failed_deployments"] == 1
    assert totals["tools"] == {"claude-code": 1}
    # Alice and Bob active in the first week (d1, 10-05), Carol in the second (d2, 10-10): three
    # person-weeks over the four weeks, an active size of 0.75; two deploys per three
    # person-weeks (one of them with AI-assisted work)
    assert (totals["people"], totals["size"], totals["size_source"]) == (3, 0.75, "person-weeks")
    assert totals["normalised_deployments"] == pytest.approx(2 / 3, abs=1e-4)
    assert totals["ai_normalised_deployments"] == pytest.approx(1 / 3, abs=1e-4)
    # Lead times: ai1 committed 10-02 10:00, shipped 10-05 00:00 -> 62 h.
    assert totals["lead_time_hours"]["ai"] == {"n": 1, "p50": 62.0, "p90": 62.0}
    # human1: 10-03 10:00 -> 10-05 00:00 = 38 h; topic: 10-07 12:00 -> 10-10 00:00 = 60 h.
    human = totals["lead_time_hours"]["human"]
    assert human["n"] == 2 and human["p50"] == 49.0
    assert human["p90"] == pytest.approx(57.8)  # quantiles(n=10, inclusive)[8] of [38, 60]
    assert report["teams"] == []
    assert report["deploy_source"] == spec
    assert report["schema"] == "deploycount.report/1"
    assert report["weeks"] == 4.0


def test_window_edges_since_inclusive_until_exclusive(
    repo: GitRepo, tmp_path: Path, run_cli: RunCli
) -> None:
    base = repo.commit("base", when="2026-09-01T10:00:00Z")
    first = repo.commit("one", when="2026-09-30T10:00:00Z")
    second = repo.commit("two", when="2026-10-20T10:00:00Z")
    third = repo.commit("three", when="2026-10-28T10:00:00Z")
    spec = events_file(
        tmp_path / "e.json",
        [
            event("baseline", base, "2026-09-02T00:00:00Z"),
            event("at-since", first, "2026-10-01T00:00:00Z"),
            event("inside", second, "2026-10-21T00:00:00Z"),
            event("at-until", third, "2026-10-29T00:00:00Z"),
        ],
    )
    report = run_cli("report", "--format", "json", "--deploys", spec, *WINDOW, cwd=repo).json()
    assert [d["id"] for d in report["deployments"]] == ["at-since", "inside"]
    assert report["totals"]["commits"] == 2
    assert report["since"] == "2026-10-01T00:00:00Z" and report["until"] == "2026-10-29T00:00:00Z"


def test_deploys_before_the_window_do_not_ship_again(
    repo: GitRepo, tmp_path: Path, run_cli: RunCli
) -> None:
    old = repo.commit("old work", when="2026-08-01T10:00:00Z")
    new = repo.commit("new work", when="2026-10-10T10:00:00Z")
    spec = events_file(
        tmp_path / "e.json",
        [event("old", old, "2026-08-02T00:00:00Z"), event("new", new, "2026-10-11T00:00:00Z")],
    )
    report = run_cli("report", "--format", "json", "--deploys", spec, *WINDOW, cwd=repo).json()
    assert [(d["id"], d["commits"]) for d in report["deployments"]] == [("new", 1)]
    # A rollback to the pre-window sha is a rollback, not a ship, and not a redeploy.
    spec = events_file(
        tmp_path / "e2.json",
        [
            event("old", old, "2026-08-02T00:00:00Z"),
            event("new", new, "2026-10-11T00:00:00Z"),
            event("undo", old, "2026-10-12T00:00:00Z"),
            event("redo", new, "2026-10-13T00:00:00Z"),
        ],
    )
    report = run_cli("report", "--format", "json", "--deploys", spec, *WINDOW, cwd=repo).json()
    assert [d["kind"] for d in report["deployments"]] == ["ship", "rollback", "rollback"]


def test_missing_sha_is_a_warning_not_a_crash(
    repo: GitRepo, tmp_path: Path, run_cli: RunCli
) -> None:
    sha = repo.commit("work", when="2026-10-10T10:00:00Z")
    spec = events_file(
        tmp_path / "e.json",
        [
            event("ghost", "deadbeef" * 5, "2026-10-10T12:00:00Z"),
            event("real", sha, "2026-10-11T00:00:00Z"),
        ],
    )
    result = run_cli("report", "--format", "json", "--deploys", spec, *WINDOW, cwd=repo)
    assert result.exit_code == 0
    report = result.json()
    assert [d["id"] for d in report["deployments"]] == ["real"]
    assert any("ghost" in w and "not in this repository" in w for w in report["warnings"])


def test_tags_source_globs_exclusions_and_tag_times(repo: GitRepo, run_cli: RunCli) -> None:
    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v0.9")
    repo.commit("feature", when="2026-10-02T10:00:00Z")
    repo.tag("v1.0rc1")
    repo.tag("v1.0.dev")
    repo.commit("more", when="2026-10-03T10:00:00Z")
    repo.tag("v1.0", annotated_at="2026-10-04T00:00:00Z")
    repo.tag("v1.0-hotfix", annotated_at="2026-10-05T00:00:00Z")
    repo.tag("other-tag")
    result = run_cli(
        "report", "--format", "json", "--deploys", "tags:v*,!*-hotfix", *WINDOW, cwd=repo
    )
    report = result.json()
    assert report["deploy_source"] == "tags:v*,!*-hotfix"
    assert [(d["id"], d["time"], d["commits"]) for d in report["deployments"]] == [
        ("v1.0", "2026-10-04T00:00:00Z", 2)  # tagger date of the annotated tag
    ]
    # Pre-releases are left out by default, and the report says how to include them.
    [note] = [w for w in report["warnings"] if "pre-release" in w]
    assert "left out 2 pre-release tag(s)" in note
    assert "--deploys 'tags:v*,!*-hotfix,+prereleases'" in note
    # With them, the .dev tag ships "feature" first, at its commit date; -hotfix is a release.
    spec = "tags:v*,+prereleases"
    report = run_cli("report", "--format", "json", "--deploys", spec, *WINDOW, cwd=repo).json()
    assert [(d["id"], d["kind"]) for d in report["deployments"]] == [
        ("v1.0.dev", "ship"),
        ("v1.0rc1", "redeploy"),
        ("v1.0", "ship"),
        ("v1.0-hotfix", "redeploy"),
    ]
    assert not [w for w in report["warnings"] if "pre-release" in w]


def test_default_source_is_release_tags_without_config(repo: GitRepo, run_cli: RunCli) -> None:
    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v0.9.0")
    repo.commit(
        "feat: x\n\nGenerated with [Claude Code](https://claude.com/claude-code)\n",
        when="2026-10-02T10:00:00Z",
    )
    repo.tag("v1.0.0")
    result = run_cli("report", *WINDOW, cwd=repo)
    assert result.exit_code == 0
    assert "deploys from tags:v*" in result.stdout
    assert "v1.0.0" in result.stdout and "ship" in result.stdout
    assert "claude-code 1" in result.stdout


TEAMS_CONFIG = """
[teams.payments]
members = ["*@pay.example.com"]

[teams.web]
members = ["carol@web.example.com"]

[privacy]
min_team_size = 2
"""


def test_teams_bot_author_mailmap_and_privacy(
    repo: GitRepo, tmp_path: Path, run_cli: RunCli
) -> None:
    (repo.path / ".deploycount.toml").write_text(TEAMS_CONFIG)
    (repo.path / ".mailmap").write_text(
        "Bob <bob@pay.example.com> <bob@personal.example.org>\n"
        "Dan <dan@pay.example.com> <dan@old.example.org>\n"
    )
    repo.commit("chore: config", author=ALICE, when="2026-09-01T00:00:00Z")
    base = repo.head()
    repo.commit("feat: a", author=ALICE, when="2026-10-02T10:00:00Z")
    # Bob commits from a personal address that .mailmap maps into payments.
    repo.commit("feat: b", author="Bob <bob@personal.example.org>", when="2026-10-02T11:00:00Z")
    # An agent bot authors a commit; its first human co-author (mailmapped) decides the team.
    repo.commit(
        "feat: c\n\nCo-authored-by: Dan <dan@old.example.org>\n"
        "Co-authored-by: Carol <carol@web.example.com>\n",
        author="copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>",
        when="2026-10-02T12:00:00Z",
    )
    repo.commit("feat: d", author=CAROL, when="2026-10-02T13:00:00Z", file="web.txt")
    # A dependabot commit: not a person, no human co-author -> unassigned.
    repo.commit(
        "chore(deps): bump",
        author="dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
        when="2026-10-02T14:00:00Z",
    )
    spec = events_file(
        tmp_path / "e.json",
        [
            event("old", base, "2026-09-02T00:00:00Z"),
            event("rel", repo.head(), "2026-10-03T00:00:00Z"),
        ],
    )
    report = run_cli("report", "--format", "json", "--deploys", spec, *WINDOW, cwd=repo).json()
    teams = {t["team"]: t for t in report["teams"]}
    assert list(teams) == ["payments", "web", "unassigned"]
    payments = teams["payments"]
    assert payments["suppressed"] is False
    assert payments["commits"] == 3  # a, b (mailmapped), c (bot author -> Dan -> payments)
    assert payments["ai_commits"] == 1 and payments["tools"] == {"copilot": 1}
    assert payments["people"] == 3  # alice, bob (mapped), dan (mapped)
    web = teams["web"]
    # Carol authored d and co-authored c: two people are needed, she is one -> hidden.
    assert web["suppressed"] is True
    assert all(web[key] is None for key in web if key not in ("team", "suppressed"))
    assert teams["unassigned"]["suppressed"] is True  # the bot is nobody: size 0
    totals = report["totals"]
    assert totals["commits"] == 5
    assert totals["people"] == 4  # alice, bob, dan, carol: never the bots


def test_declared_size_is_used_and_reported(repo: GitRepo, tmp_path: Path, run_cli: RunCli) -> None:
    (repo.path / "team.toml").write_text('[teams.core]\nmembers = ["*"]\nsize = 8\n')
    base = repo.commit("base", when="2026-09-01T10:00:00Z")
    sha = repo.commit("feat", when="2026-10-10T10:00:00Z")
    spec = events_file(
        tmp_path / "e.json",
        [event("r0", base, "2026-09-02T00:00:00Z"), event("r", sha, "2026-10-11T00:00:00Z")],
    )
    report = run_cli(
        "report",
        "--format",
        "json",
        "--config",
        str(repo.path / "team.toml"),
        "--deploys",
        spec,
        *WINDOW,
        cwd=repo,
    ).json()
    core = report["teams"][0]
    assert (core["size"], core["size_source"]) == (8, "declared")
    assert core["normalised_deployments"] == pytest.approx(1 / 8 / 4, abs=1e-4)


def test_markdown_and_table_formats(
    repo: GitRepo, history: dict[str, str], tmp_path: Path, run_cli: RunCli
) -> None:
    repo.tag("v1.0", history["revert"], annotated_at="2026-10-10T00:00:00Z")
    table = run_cli("report", *WINDOW, cwd=repo)
    assert table.exit_code == 0
    assert "deploys in the window (1):" in table.stdout
    markdown = run_cli(
        "report", "--format", "markdown", "--output", str(tmp_path / "r.md"), *WINDOW, cwd=repo
    )
    assert markdown.stdout == ""
    text = (tmp_path / "r.md").read_text()
    assert text.startswith("## deploycount")
    assert "| all |" in text


def test_schema_command_describes_the_report(run_cli: RunCli, repo: GitRepo) -> None:
    schema = run_cli("schema", cwd=repo).json()
    assert schema["title"] == "Report"
    assert {"schema", "totals", "teams", "deployments", "warnings"} <= set(schema["properties"])


def test_tags_of_tags_and_of_trees(repo: GitRepo, run_cli: RunCli) -> None:
    """A tag of an annotated tag still deploys its commit; a tag of a tree is skipped, warned."""
    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v0.1")
    sha = repo.commit("feature", when="2026-10-02T10:00:00Z")
    repo.tag("v1.0-inner", annotated_at="2026-10-03T00:00:00Z")
    repo.git(
        "tag",
        "-a",
        "v1.0",
        "-m",
        "outer",
        "v1.0-inner",
        env={**os.environ, "GIT_COMMITTER_DATE": at("2026-10-04T00:00:00Z")},
    )
    repo.git("tag", "v9-tree", repo.git("rev-parse", "HEAD^{tree}"))
    report = run_cli(
        "report", "--format", "json", "--deploys", "tags:v1.0,v9*", *WINDOW, cwd=repo
    ).json()
    assert [(d["id"], d["sha"], d["time"]) for d in report["deployments"]] == [
        ("v1.0", sha, "2026-10-04T00:00:00Z")
    ]
    assert any("v9-tree" in w and "does not point at a commit" in w for w in report["warnings"])


# -- the global options, before or after the command ------------------------------------------


@pytest.mark.parametrize(
    "where",
    [
        ["-C", "{repo}", "report"],
        ["report", "-C", "{repo}"],
        ["-C", "/nonexistent", "report", "-C", "{repo}"],
        ["--debug", "report", "-C{repo}"],
        ["report", "--debug", "-C", "{repo}"],
    ],
)  # fmt: skip
def test_global_options_go_before_or_after_the_command(
    repo: GitRepo, run_cli: RunCli, tmp_path: Path, where: list[str]
) -> None:
    repo.commit("one", when="2026-10-02T10:00:00Z")
    repo.tag("v1.0.0")
    args = [arg.replace("{repo}", str(repo.path)) for arg in where]
    done = run_cli(*args, "--format", "json", *WINDOW, cwd=tmp_path)
    assert done.exit_code == 0, done.stderr
    assert [d["id"] for d in done.json()["deployments"]] == ["v1.0.0"]


def test_debug_after_the_command_prints_the_traceback(run_cli: RunCli, tmp_path: Path) -> None:
    quiet = run_cli("report", "--deploys", "file:/nonexistent", cwd=tmp_path)
    loud = run_cli("report", "--deploys", "file:/nonexistent", "--debug", cwd=tmp_path)
    assert quiet.exit_code == loud.exit_code == 2
    assert "Traceback" not in quiet.stderr and "Traceback" in loud.stderr


def test_the_program_gives_the_report_the_cli_gives(repo: GitRepo) -> None:
    """`python -m deploycount` and the CLI's `main` give the same report, listing the tags once."""
    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v0.1")
    repo.commit("feature\n\nAssisted-by: cursor", when="2026-10-02T10:00:00Z")
    repo.tag("v1.0", annotated_at="2026-10-03T00:00:00Z")
    args = ["report", "--format", "json", *WINDOW]
    trace = repo.path.parent / "git.trace"
    via_program = subprocess.run(
        [sys.executable, "-m", "deploycount", "-C", str(repo.path), *args],
        capture_output=True, text=True, check=True, env={**os.environ, "GIT_TRACE": str(trace)},
    )  # fmt: skip
    assert trace.read_text().count("for-each-ref") == 1
    via_cli = subprocess.run(
        [sys.executable, "-c", "import sys; from deploycount.cli import main; main(sys.argv[1:])",
         "-C", str(repo.path), *args],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert via_program.stdout == via_cli.stdout and via_program.stderr == via_cli.stderr == ""
    assert [d["id"] for d in json.loads(via_program.stdout)["deployments"]] == ["v1.0"]


def test_the_library_entry_point_gives_the_cli_report(repo: GitRepo, run_cli: RunCli) -> None:
    """`deploycount.report(path, ...)` is what `deploycount report --format json` prints."""
    import deploycount

    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v0.1")
    repo.commit("feature\n\nAssisted-by: cursor", when="2026-10-02T10:00:00Z")
    repo.tag("v1.0", annotated_at="2026-10-03T00:00:00Z")
    since, until = WINDOW[1], WINDOW[3]
    made = deploycount.report(repo.path, since=since, until=until, environ={})
    assert isinstance(made, deploycount.Report)
    assert (made.totals.deployments, made.totals.ai_commits, made.totals.tools) == (
        1,
        1,
        {"cursor": 1},
    )
    printed = run_cli("report", "--format", "json", *WINDOW, cwd=repo)
    assert made.to_json() + "\n" == printed.stdout


def test_several_release_streams_in_one_glob_are_named(repo: GitRepo, run_cli: RunCli) -> None:
    """`v1.2.3`, `v1.2.3-vscode` and `v1.2.3-jetbrains` in one window: once counted as one
    stream without a word; now the report names the streams and how to pick one."""
    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v1.0.0")
    for day, version in ((2, "1.1.0"), (9, "1.2.0")):
        repo.commit(f"feat {version}", when=f"2026-10-{day:02d}T10:00:00Z", file=version)
        for suffix in ("", "-vscode", "-jetbrains"):
            repo.tag(f"v{version}{suffix}", annotated_at=f"2026-10-{day:02d}T12:00:00Z")
    repo.commit("fix", when="2026-10-12T10:00:00Z", file="fix")
    repo.tag("v1.2.0-hotfix", annotated_at="2026-10-12T12:00:00Z")  # a release, not a stream
    mixed = run_cli("report", "--format", "json", *WINDOW, cwd=repo).json()
    [said] = [w for w in mixed["warnings"] if "release streams" in w]
    assert said.startswith("tags:v* mixes 3 release streams in the window")
    assert "*-vscode (2, e.g. v1.1.0-vscode)" in said and "no suffix (2" in said
    # the advice takes the other streams out by their own suffixes: `!*-*` dropped the hotfix
    advice = "tags:v*,!*-jetbrains,!*-vscode"
    assert f"--deploys '{advice}'" in said
    picked = run_cli("report", "--format", "json", *WINDOW, "--deploys", advice,
                     cwd=repo).json()  # fmt: skip
    assert not any("release streams" in w for w in picked["warnings"])
    assert [d["id"] for d in picked["deployments"]] == ["v1.1.0", "v1.2.0", "v1.2.0-hotfix"]


def test_with_only_suffixed_streams_the_advice_is_one_stream(
    repo: GitRepo, run_cli: RunCli
) -> None:
    """`tags:v*,!*-*` gave 0 deploys where every tag carries a stream suffix."""
    repo.commit("base", when="2026-09-01T10:00:00Z")
    for day, version in ((2, "1.1.0"), (9, "1.2.0")):
        repo.commit(f"feat {version}", when=f"2026-10-{day:02d}T10:00:00Z", file=version)
        for suffix in ("-vscode", "-jetbrains"):
            repo.tag(f"v{version}{suffix}", annotated_at=f"2026-10-{day:02d}T12:00:00Z")
    mixed = run_cli("report", "--format", "json", *WINDOW, cwd=repo).json()
    [said] = [w for w in mixed["warnings"] if "release streams" in w]
    assert "!*-" not in said and "--deploys 'tags:*-jetbrains' for one stream" in said
    one = run_cli("report", "--format", "json", *WINDOW, "--deploys", "tags:*-jetbrains",
                  cwd=repo).json()  # fmt: skip
    assert [d["id"] for d in one["deployments"]] == ["v1.1.0-jetbrains", "v1.2.0-jetbrains"]
    hotfix = run_cli("report", "--format", "json", *WINDOW, "--deploys", "tags:v*,!*-vscode,"
                     "!*-jetbrains", cwd=repo).json()  # fmt: skip
    assert not any("release streams" in w for w in hotfix["warnings"])


def test_a_monorepos_package_tags_are_named_when_the_default_finds_nothing(
    repo: GitRepo, run_cli: RunCli
) -> None:
    """`<name>@<semver>` (changesets, lerna), `<name>/v<semver>` (Go modules, release-please),
    `<name>-v<semver>`: once the warning named only an old `v*` tag, with no hint of these."""
    repo.commit("base", when="2023-03-01T10:00:00Z")
    repo.tag("v0.1", annotated_at="2023-03-01T11:00:00Z")
    for day, tag in ((2, "ai@5.0.29"), (3, "@ai-sdk/openai@2.0.1"), (4, "ai@5.0.30"),
                     (5, "api/v1.2.3"), (6, "web-v1.0.0")):  # fmt: skip
        repo.commit(
            f"release {tag}", when=f"2026-10-{day:02d}T10:00:00Z", file=tag.replace("/", "_")
        )
        repo.tag(tag, annotated_at=f"2026-10-{day:02d}T11:00:00Z")
    done = run_cli("report", "--format", "json", *WINDOW, cwd=repo)
    assert done.exit_code == 0, done.stderr
    [hint] = [w for w in done.json()["warnings"] if "tags releases of" in w]
    assert "4 package(s): ai@* (2), @ai-sdk/openai@* (1), api/v* (1), web-v* (1)" in hint
    assert "--deploys 'tags:ai@*'" in hint
    picked = run_cli("report", "--format", "json", *WINDOW, "--deploys", "tags:ai@*", cwd=repo)
    assert [d["id"] for d in picked.json()["deployments"]] == ["ai@5.0.29", "ai@5.0.30"]
    assert not any("tags releases of" in w for w in picked.json()["warnings"])
