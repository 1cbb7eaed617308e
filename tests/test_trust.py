"""Numbers a lead can trust: each way a real history made deploycount print a confident wrong
number, reproduced on a real repository, with the fix or the warning that says why."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import GitRepo, RunCli

WINDOW = ("--since", "2026-10-01", "--until", "2026-10-29")


def report_json(run_cli: RunCli, repo: GitRepo | Path, *args: str) -> dict[str, Any]:
    result = run_cli("report", "--format", "json", *args, cwd=repo)
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = result.json()
    return data


def test_aider_shaped_prerelease_tags_are_not_deploys(repo: GitRepo, run_cli: RunCli) -> None:
    """aider tags each release and, a minute later, the next version's `.dev` on a one-commit
    "set version" change: counting both doubled the deploys and halved the AI share."""
    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v0.73.0", annotated_at="2026-09-01T11:00:00Z")
    for week, day in enumerate((3, 10, 17, 24), start=1):
        repo.commit(f"feat: {week}\n\nCo-authored-by: aider (gpt-5) <noreply@aider.chat>\n",
                    when=f"2026-10-{day:02d}T08:00:00Z")  # fmt: skip
        repo.commit(f"set version to 0.74.{week}", when=f"2026-10-{day:02d}T09:00:00Z")
        repo.tag(f"v0.74.{week}", annotated_at=f"2026-10-{day:02d}T09:00:00Z")
        repo.commit(f"set version to 0.74.{week + 1}.dev", when=f"2026-10-{day:02d}T09:01:00Z")
        repo.tag(f"v0.74.{week + 1}.dev", annotated_at=f"2026-10-{day:02d}T09:01:00Z")
    report = report_json(run_cli, repo, *WINDOW)
    assert [d["id"] for d in report["deployments"]] == [f"v0.74.{n}" for n in (1, 2, 3, 4)]
    assert report["totals"]["deployments"] == 4 and report["totals"]["ai_deployments"] == 4
    [note] = [w for w in report["warnings"] if "pre-release" in w]
    assert note.startswith("left out 4 pre-release tag(s) in the window (v0.74.2.dev")
    assert "--deploys 'tags:v*,+prereleases'" in note
    both = report_json(run_cli, repo, "--deploys", "tags:v*,+prereleases", *WINDOW)
    # counted, the .dev tags are deploys too, but what they ship is the `set version to`
    # bookkeeping of a release: release commits, not work, so they ship nothing counted
    assert [d["kind"] for d in both["deployments"]].count("ship") == 8
    assert both["totals"]["deployments"] == 4 and both["totals"]["ai_deployments"] == 4
    assert any(w.startswith("8 release commit(s) shipped") for w in both["warnings"])


def test_the_first_ledger_event_is_a_baseline(repo: GitRepo, run_cli: RunCli) -> None:
    for day in range(1, 30):
        repo.commit(f"old work {day}", when=f"2026-08-{day:02d}T10:00:00Z")
    repo.commit("recent work", when="2026-10-09T10:00:00Z")
    assert (
        run_cli("record", "--id", "first", "--time", "2026-10-10T00:00:00Z", cwd=repo).exit_code
        == 0
    )
    report = report_json(run_cli, repo, *WINDOW)
    assert report["deploy_source"] == "notes"
    assert [(d["id"], d["kind"], d["commits"]) for d in report["deployments"]] == [
        ("first", "baseline", 0)
    ]
    totals = report["totals"]
    assert (totals["deployments"], totals["commits"], totals["lead_time_hours"]["human"]["n"]) == (
        0,
        0,
        0,
    )
    [note] = [w for w in report["warnings"] if "baseline" in w]
    assert "backfill earlier deploys" in note and "deploycount record" in note
    # The next deploy ships only what came after the baseline.
    repo.commit("new work", when="2026-10-12T10:00:00Z")
    run_cli("record", "--id", "second", "--time", "2026-10-12T12:00:00Z", cwd=repo)
    report = report_json(run_cli, repo, *WINDOW)
    assert [(d["id"], d["kind"], d["commits"]) for d in report["deployments"]] == [
        ("first", "baseline", 0), ("second", "ship", 1),
    ]  # fmt: skip
    assert report["totals"]["lead_time_hours"]["human"]["p50"] == 2.0


def test_a_staging_event_does_not_hide_production(repo: GitRepo, run_cli: RunCli) -> None:
    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v1.0")
    repo.commit("feat", when="2026-10-02T10:00:00Z")
    repo.tag("v1.1")
    run_cli("record", "--env", "staging", "--id", "s1", "--time", "2026-10-02T12:00:00Z", cwd=repo)
    production = report_json(run_cli, repo, *WINDOW)
    assert production["deploy_source"] == "tags:v*" and production["totals"]["deployments"] == 1
    staging = report_json(run_cli, repo, "--env", "staging", *WINDOW)
    assert staging["deploy_source"] == "notes"


def test_negative_lead_times_are_left_out_and_named(
    repo: GitRepo, tmp_path: Path, run_cli: RunCli
) -> None:
    base = repo.commit("base", when="2026-09-01T10:00:00Z")
    early = repo.commit("feat: a", when="2026-10-05T10:00:00Z")
    late = repo.commit("feat: b", when="2026-10-20T10:00:00Z")
    events = tmp_path / "events.ndjson"
    events.write_text("".join(json.dumps(e) + "\n" for e in [
        {"id": "d0", "sha": base, "time": "2026-09-02T00:00:00Z"},
        {"id": "d1", "sha": early, "time": "2026-10-06T10:00:00Z"},
        {"id": "typo", "sha": late, "time": "2026-10-15T10:00:00Z"},  # before `late` exists
    ]))  # fmt: skip
    report = report_json(run_cli, repo, "--deploys", f"file:{events}", *WINDOW)
    human = report["totals"]["lead_time_hours"]["human"]
    assert report["totals"]["commits"] == 2 and (human["n"], human["p50"]) == (1, 24.0)
    [note] = [w for w in report["warnings"] if "before they were committed" in w]
    assert note.startswith(f"1 commit(s) deployed before they were committed ({late[:12]} by typo)")


def test_a_shallow_clone_without_tags_says_so_in_every_format(
    repo: GitRepo, tmp_path: Path, run_cli: RunCli
) -> None:
    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v1.0")
    repo.commit("feat", when="2026-10-02T10:00:00Z")
    repo.tag("v1.1")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--no-tags", f"file://{repo.path}",
                    str(clone)], check=True)  # fmt: skip
    report = report_json(run_cli, clone, *WINDOW)
    assert any("shallow clone" in w and "fetch-depth: 0" in w for w in report["warnings"])
    for output in ("table", "markdown"):
        text = run_cli("report", "--format", output, *WINDOW, cwd=clone).stdout
        assert "shallow clone" in text and "fetch-depth: 0" in text, output


def test_an_empty_window_says_when_the_last_deploy_was(repo: GitRepo, run_cli: RunCli) -> None:
    repo.commit("base", when="2026-08-01T10:00:00Z")
    repo.tag("v1.3")
    repo.commit("more", when="2026-09-10T10:00:00Z")
    repo.tag("v1.4", annotated_at="2026-09-12T00:00:00Z")
    report = report_json(run_cli, repo, *WINDOW)
    expected = (
        "no deploy of production in the window; the last one was v1.4 on 2026-09-12 "
        "(47 days before the window's end): deploycount report --since 2026-09-11 shows it"
    )
    assert expected in report["warnings"]
    # and the table says so first, with no table of zeros above it
    table = run_cli("report", *WINDOW, cwd=repo).stdout.splitlines()
    assert table[3].startswith("no deploy of production in the window; the last one was v1.4")
    assert not any(line.startswith("team ") for line in table)


def test_a_window_that_ends_in_the_future_counts_its_elapsed_part(
    repo: GitRepo, run_cli: RunCli
) -> None:
    now = subprocess.run(["date", "-u", "+%s"], capture_output=True, text=True, check=True)
    seconds = int(now.stdout)
    start = seconds - 14 * 86400
    repo.commit("base", when=_iso(start - 86400))
    repo.tag("v1.0")
    repo.commit("feat", when=_iso(start + 86400))
    repo.tag("v1.1")
    report = report_json(
        run_cli, repo, "--since", _iso(start), "--until", _iso(seconds + 14 * 86400)
    )
    assert 1.99 < report["weeks"] <= 2.01  # two weeks have passed of the four
    # one deploy, one person active in one week: one deploy per person-week, however much of
    # the window has elapsed (the elapsed part is the size's weeks)
    assert report["totals"]["normalised_deployments"] == 1.0
    assert report["totals"]["size"] == round(1 / report["weeks"], 2)
    assert any("ends in the future" in w for w in report["warnings"])


def _iso(seconds: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_one_person_under_two_emails_suggests_a_mailmap(repo: GitRepo, run_cli: RunCli) -> None:
    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v1.0")
    repo.commit("a", author="Paul G <paul@aider.chat>", when="2026-10-02T10:00:00Z")
    repo.commit("b", author="Paul G <aider@paulg.org>", when="2026-10-03T10:00:00Z")
    repo.tag("v1.1")
    report = report_json(run_cli, repo, *WINDOW)
    assert report["totals"]["people"] == 2
    [note] = [w for w in report["warnings"] if ".mailmap" in w]
    assert note.startswith("1 name(s) ship under more than one email")
    assert "Paul" not in note and "paulg" not in note  # the count, never the names
    (repo.path / ".mailmap").write_text("Paul G <paul@aider.chat> <aider@paulg.org>\n")
    report = report_json(run_cli, repo, *WINDOW)
    assert report["totals"]["people"] == 1 and not [
        w for w in report["warnings"] if ".mailmap" in w
    ]


def test_deploys_whose_commits_are_missing_are_not_called_absent(
    repo: GitRepo, tmp_path: Path, run_cli: RunCli
) -> None:
    repo.commit("x", when="2026-10-02T10:00:00Z")
    events = tmp_path / "events.ndjson"
    events.write_text('{"id": "x", "sha": "0123456789abcdef", "time": "2026-10-03T00:00:00Z"}\n')
    warnings = report_json(run_cli, repo, "--deploys", f"file:{events}", *WINDOW)["warnings"]
    assert any("is not in this repository: skipped" in w for w in warnings)
    assert any(w.startswith("none of the production deploys") for w in warnings)
    assert not any("at all" in w for w in warnings)
