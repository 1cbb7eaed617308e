"""Services in one repository (docs: Services in one repository): a history built like a
JavaScript monorepo with changesets tags (`packages/*`, `ai@5.0.1`, `@scope/openai@2.0.1`),
commits touching one package or several, a root file no package owns, and a revert touching two
services. Every figure is worked out by hand in the comments."""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from array import array
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from deploycount.errors import UsageError
from deploycount.history.linking import LinkedDeploy
from deploycount.model import report_from_json
from deploycount.render.exposition import text_exposition
from deploycount.render.samples import report_families
from deploycount.services import Monorepo, PathOwners, Service, check_owners, first_shipped
from deploycount.teams import Team
from tests.conftest import GitRepo, RunCli, one_line_error
from tests.history_rows import T0, deploy
from tests.tools import required_tool

DEV1, DEV2, DEV3 = (
    "Dev One <dev1@example.com>",
    "Dev Two <dev2@example.com>",
    "Dev Three <dev3@example.com>",
)
WINDOW = ("--since", "2026-10-01", "--until", "2026-11-01")
CONFIG = """
[privacy]
min_team_size = 1

[services.ai]
paths = ["packages/ai"]
tags = "ai@*"

[services."@scope/openai"]
paths = ["packages/openai/"]
tags = "@scope/openai@*"

[services.web]
paths = ["packages/web", "apps/site/*.ts"]
tags = "web@*"
"""


def _touch(repo: GitRepo, *paths: str) -> None:
    for path in paths:
        target = repo.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a") as handle:
            handle.write("change\n")


def _change(repo: GitRepo, message: str, when: str, *paths: str, author: str = DEV1) -> str:
    _touch(repo, *paths[1:])
    (repo.path / paths[0]).parent.mkdir(parents=True, exist_ok=True)
    return repo.commit(message, when=when, file=paths[0], author=author)


def monorepo(repo: GitRepo) -> dict[str, str]:
    """The history; returns the commits by name."""
    _touch(repo, "packages/ai/index.ts", "packages/openai/index.ts", "packages/web/index.ts")
    shas = {"base": repo.commit("chore: start", when="2026-09-01T10:00:00Z", file="README.md")}
    for tag in ("ai@5.0.0", "@scope/openai@2.0.0", "web@1.0.0"):
        repo.tag(tag, annotated_at="2026-09-02T10:00:00Z")
    shas["c1"] = _change(repo, "feat(ai): stream\n\nAssisted-by: claude", "2026-10-02T10:00:00Z",
                         "packages/ai/index.ts")  # fmt: skip
    shas["c2"] = _change(repo, "fix(openai): retry", "2026-10-03T10:00:00Z",
                         "packages/openai/index.ts", author=DEV2)  # fmt: skip
    shas["c3"] = _change(repo, "feat: ai and web", "2026-10-04T10:00:00Z",
                         "packages/ai/util.ts", "packages/web/util.ts", author=DEV3)  # fmt: skip
    shas["c4"] = _change(repo, "docs: readme", "2026-10-05T10:00:00Z", "README.md")
    repo.tag("ai@5.0.1", annotated_at="2026-10-06T10:00:00Z")
    shas["c5"] = _change(
        repo,
        "feat(web): page\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>",
        "2026-10-08T10:00:00Z", "apps/site/page.ts", author=DEV2,
    )  # fmt: skip
    repo.tag("web@1.0.1", annotated_at="2026-10-09T10:00:00Z")
    repo.tag("@scope/openai@2.0.1", annotated_at="2026-10-10T10:00:00Z")
    shas["c6"] = repo.revert(shas["c3"], when="2026-10-12T10:00:00Z")  # touches ai and web
    repo.tag("ai@5.0.2", annotated_at="2026-10-13T10:00:00Z")
    (repo.path / ".deploycount.toml").write_text(CONFIG)
    return shas


def _report(repo: GitRepo, run_cli: RunCli, *args: str) -> dict[str, Any]:
    done = run_cli("report", *WINDOW, "--format", "json", *args, cwd=repo)
    assert done.exit_code == 0, done.stderr
    report: dict[str, Any] = done.json()
    return report


def _service(report: dict[str, Any], name: str) -> dict[str, Any]:
    [row] = [row for row in report["services"] if row["service"] == name]
    return row


def test_each_service_ships_only_the_commits_touching_its_paths(
    repo: GitRepo, run_cli: RunCli
) -> None:
    shas = monorepo(repo)
    report = _report(repo, run_cli)

    ai = _service(report, "ai")
    # ai@5.0.1 reaches c1..c4: c1 and c3 touch packages/ai; c3 is reverted by c6 (on the main
    # line), so only c1 counts. ai@5.0.2 ships the revert (excluded): a ship of 0 commits,
    # which is no deployment of counted work.
    assert (ai["deployments"], ai["ai_deployments"]) == (1, 1)
    assert (ai["commits"], ai["ai_commits"]) == (1, 1)
    assert ai["reverted_commits"] == {"ai": 0, "human": 1}
    assert ai["lead_time_hours"]["ai"] == {"n": 1, "p50": 96.0, "p90": 96.0}  # 10-02 → 10-06
    assert ai["people"] == 1  # Dev One, the only person with a counted ai commit

    web = _service(report, "web")
    # web@1.0.1 reaches c3 (reverted) and c5 (apps/site/page.ts matches apps/site/*.ts).
    assert (web["deployments"], web["commits"], web["ai_commits"]) == (1, 1, 1)
    assert web["reverted_commits"] == {"ai": 0, "human": 1}
    assert web["lead_time_hours"]["ai"]["p50"] == 24.0  # 10-08 → 10-09

    openai = _service(report, "@scope/openai")
    assert (openai["deployments"], openai["commits"], openai["ai_commits"]) == (1, 1, 0)
    assert openai["lead_time_hours"]["human"]["p50"] == 168.0  # 10-03 → 10-10

    totals = report["totals"]
    # The deploys add up; each commit counts once: c3, reverted in ai and in web, once.
    assert (totals["deployments"], totals["ai_deployments"]) == (3, 2)
    assert (totals["commits"], totals["ai_commits"]) == (3, 2)
    assert totals["reverted_commits"] == {"ai": 0, "human": 1}
    assert totals["people"] == 2  # Dev One and Dev Two; Dev Three's only commit was reverted
    # c4 changes only README.md: ai@5.0.1 reached it, no service counts it.
    assert report["outside_services"] == 1

    rows = {(row["service"], row["id"]): row for row in report["deployments"]}
    assert set(rows) == {("ai", "ai@5.0.1"), ("web", "web@1.0.1"),
                         ("@scope/openai", "@scope/openai@2.0.1"), ("ai", "ai@5.0.2")}  # fmt: skip
    assert (rows["ai", "ai@5.0.1"]["commits"], rows["ai", "ai@5.0.2"]["kind"]) == (1, "ship")
    assert rows["ai", "ai@5.0.1"]["sha"] == shas["c4"]
    assert [row["time"][:10] for row in report["deployments"]] == sorted(
        row["time"][:10] for row in report["deployments"]
    )


def test_without_services_nothing_changes_and_one_glob_credits_everything(
    repo: GitRepo, run_cli: RunCli
) -> None:
    monorepo(repo)
    (repo.path / ".deploycount.toml").write_text("[privacy]\nmin_team_size = 1\n")
    report = _report(repo, run_cli, "--deploys", "tags:ai@*")
    # The whole repository's commits go to ai's releases, whatever they touch: c1, c2, c4
    # with ai@5.0.1, web's c5 with ai@5.0.2 (c3 is reverted): the problem [services] solves.
    assert (report["totals"]["commits"], report["services"]) == (4, [])
    assert report["outside_services"] is None
    assert {row["service"] for row in report["deployments"]} == {None}


def test_a_service_owned_by_a_team_counts_every_commit_for_it(
    repo: GitRepo, run_cli: RunCli
) -> None:
    monorepo(repo)
    config = CONFIG.replace('tags = "web@*"', 'tags = "web@*"\nteams = ["frontend"]')
    config += '\n[teams.frontend]\nmembers = ["dev3@example.com"]\n'
    config += '\n[teams.platform]\nmembers = ["dev1@example.com", "dev2@example.com"]\n'
    (repo.path / ".deploycount.toml").write_text(config)
    report = _report(repo, run_cli)
    teams = {row["team"]: row for row in report["teams"]}
    # web's c5 is Dev Two's (platform) but web belongs to frontend: it counts for frontend.
    # platform: ai's c1 and openai's c2; frontend: web's c5.
    assert (teams["frontend"]["commits"], teams["frontend"]["deployments"]) == (1, 1)
    assert (teams["platform"]["commits"], teams["platform"]["deployments"]) == (2, 2)


def test_events_carrying_a_service_field(repo: GitRepo, run_cli: RunCli) -> None:
    shas = monorepo(repo)
    config = CONFIG.replace('tags = "ai@*"\n', "").replace('tags = "web@*"\n', "")
    (repo.path / ".deploycount.toml").write_text(config)
    for args in (
        ("--service", "ai", "--id", "a0", "--time", "2026-09-02T10:00:00Z", shas["base"]),
        ("--service", "web", "--id", "w0", "--time", "2026-09-02T10:00:00Z", shas["base"]),
        ("--service", "ai", "--id", "1", "--time", "2026-10-06T10:00:00Z", shas["c4"]),
        ("--service", "web", "--id", "1", "--time", "2026-10-09T10:00:00Z", shas["c5"]),
        ("--id", "nobody", "--time", "2026-10-09T10:00:00Z", shas["c5"]),
    ):
        done = run_cli("record", *args, cwd=repo)
        assert done.exit_code == 0, done.stderr
    report = _report(repo, run_cli)
    # The same id "1" in two services is two deploys; the event without a service is named.
    assert (_service(report, "ai")["deployments"], _service(report, "web")["deployments"]) == (1, 1)
    assert (_service(report, "ai")["commits"], _service(report, "web")["commits"]) == (1, 1)
    assert any("1 named no service" in w for w in report["warnings"])
    again = run_cli("record", "--service", "ai", "--id", "1", shas["c5"], cwd=repo)
    assert again.exit_code == 2
    assert "of service ai" in again.stderr


@pytest.mark.parametrize(
    "spec",
    ["packages/api", "packages/api/", "packages/a*", "packages/*/src", "*.ts",
     "packages/web/src/*.ts", "packages/ap?", "packages/[aw]*", "README.md", "pack", "apps",
     # a directory whose name has glob characters matches literally too (Next.js routes)
     "apps/[locale]", "apps/[locale]/", "packages/gl[o]b", "apps/[l]*",
     # negation both ways, classes, ranges, a backslash, a bracket never closed
     "apps/[!a]*", "apps/[^a]*", "apps/[[:alpha:]]*", "packages/[[:upper:][:digit:]]*",
     "packages/[a-c]*", "packages/[]a]*", "apps/\\[locale]/*", "apps/[locale", "*/[[:punct:]]*",
     "packages/*[0-9].ts", "**/*.go"],
)  # fmt: skip
def test_paths_match_as_git_log_matches_them(tmp_path: Path, spec: str) -> None:
    """The service paths are matched in Python; git is the reference."""
    files = ["packages/api/src/index.ts", "packages/api/package.json", "packages/apps/x/a.ts",
             "packages/web/src/b.ts", "packages/web/src/deep/d.ts", "apps/api/c.go", "README.md",
             "packages/api.md", "package", "apps/[locale]/page.ts", "apps/l/b.ts",
             "packages/gl[o]b/a.ts", "packages/glob/b.ts", "packages/Z9.ts", "packages/]x.ts",
             "apps/[locale/x.ts"]  # fmt: skip
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    git = ["git", "-C", str(tmp_path), "-c", "user.name=a", "-c", "user.email=a@b"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "all"], check=True)
    listed = subprocess.run([*git, "log", "--format=", "--name-only", "--", spec],
                            capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    owners = PathOwners([Service("s", (spec,))])
    assert sorted(f for f in files if owners.owners(f.encode())) == sorted(listed)


def test_a_bad_services_section_is_one_line(repo: GitRepo, run_cli: RunCli) -> None:
    repo.commit("start", when="2026-09-01T10:00:00Z")
    for section, expected in (
        ("[services.api]\ntags = 'api@*'\n", "services.api.paths: is required"),
        ("[services.api]\npaths = []\n", "must name at least one path"),
        ("[services.api]\npaths = ['../x']\n", "must not contain . or .. parts"),
        ("[services.api]\npaths = [':(exclude)x']\n", "without pathspec magic"),
        ("[services.api]\npaths = ['x']\nteams = ['nobody']\n", "no team 'nobody'"),
        ("[services.api]\npaths = ['x']\nowner = 'a'\n", "services.api.owner: unknown key"),
        # the metrics label the totals service="all"
        ("[services.All]\npaths = ['x']\n", "service name 'All' is reserved"),
    ):
        (repo.path / ".deploycount.toml").write_text(section)
        done = run_cli("report", cwd=repo)
        assert done.exit_code == 2, (section, done.stderr)
        assert expected in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_partials_keep_the_services_and_merge_them(
    repo: GitRepo, run_cli: RunCli, tmp_path: Path
) -> None:
    monorepo(repo)
    env = {"DEPLOYCOUNT_PEOPLE_KEY": "k" * 32}
    partial = tmp_path / "one.json"
    done = run_cli("report", *WINDOW, "--format", "partial", "--output", str(partial),
                   cwd=repo, env=env)  # fmt: skip
    assert done.exit_code == 0, done.stderr
    merged = run_cli("merge", str(partial), "--format", "json", cwd=repo, env=env)
    assert merged.exit_code == 0, merged.stderr
    direct = _report(repo, run_cli)
    again = json.loads(merged.stdout)
    assert again["services"] == direct["services"]
    assert again["outside_services"] == direct["outside_services"] == 1


def test_every_metric_carries_the_service_and_promtool_agrees(
    repo: GitRepo, run_cli: RunCli
) -> None:
    monorepo(repo)
    done = run_cli("report", *WINDOW, "--format", "openmetrics", cwd=repo)
    assert done.exit_code == 0, done.stderr
    samples = [line for line in done.stdout.splitlines() if line.startswith("deploycount_")]
    with_team = [line for line in samples if 'team="' in line]
    assert with_team and all('service="' in line for line in with_team)
    assert re.search(r'deploycount_commits\{[^}]*service="all",team="all"[^}]*\} 3\.0', done.stdout)
    assert re.search(r'deploycount_commits\{[^}]*service="web",team="all"[^}]*\} 1\.0', done.stdout)
    # What a push sends (the text format promtool lints), from the same report.
    report = report_from_json(json.dumps(_report(repo, run_cli)))
    body = text_exposition(report_families(report, min_confidence="medium"))
    assert b'deploycount_commits{service="web",team="all"} 1.0' in body
    promtool = required_tool("promtool", "apt-get install -y prometheus")
    check = subprocess.run([promtool, "check", "metrics"], input=body,
                           capture_output=True, timeout=60, check=False)  # fmt: skip
    assert check.returncode == 0 and not check.stdout and not check.stderr, check


def test_the_pull_request_comment_names_the_services_it_touches(
    repo: GitRepo, run_cli: RunCli
) -> None:
    monorepo(repo)
    repo.git("checkout", "-q", "-b", "feature")
    _change(repo, "feat(web): button\n\nAssisted-by: claude", "2026-10-20T10:00:00Z",
            "packages/web/button.ts")  # fmt: skip
    done = run_cli("comment", "--dry-run", *WINDOW, cwd=repo)
    assert done.exit_code == 0, done.stderr
    assert "Once merged, it ships with the next deploy of **web** (the last was" in done.stdout
    # the services table of the delivery shows the services it touches only
    part = done.stdout.split("#### The team's delivery")[1].split("<details>")[0]
    assert "| web |" in part and "| ai |" not in part
    repo.git("checkout", "-q", "main")
    repo.git("checkout", "-q", "-b", "docs")
    (repo.path / ".deploycount.toml").write_text(CONFIG)  # the feature branch committed it
    _change(repo, "docs: more", "2026-10-20T10:00:00Z", "README.md")
    done = run_cli("comment", "--dry-run", *WINDOW, cwd=repo)
    assert "touches no service's paths" in done.stdout, done.stdout


def test_the_table_and_markdown_show_the_services(repo: GitRepo, run_cli: RunCli) -> None:
    monorepo(repo)
    table = run_cli("report", *WINDOW, cwd=repo)
    assert table.exit_code == 0, table.stderr
    assert "service" in table.stdout and "@scope/openai" in table.stdout
    assert "outside services: 1 commit(s)" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 100
    markdown = run_cli("report", *WINDOW, "--format", "markdown", cwd=repo)
    assert "<summary>Per service</summary>" in markdown.stdout
    assert "1 commit touched no service's paths" in markdown.stdout


def test_suggest_writes_a_services_section_the_report_reads(repo: GitRepo, run_cli: RunCli) -> None:
    monorepo(repo)
    (repo.path / ".deploycount.toml").unlink()
    for path, text in (
        ("packages/openai/package.json", '{"name": "@scope/openai", "version": "2.0.1"}'),
        ("packages/internal/package.json", '{"name": "internal", "private": true}'),
        ("tools/cli/go.mod", "module example.com/tools/cli\n\ngo 1.22\n"),
    ):
        (repo.path / path).parent.mkdir(parents=True, exist_ok=True)
        (repo.path / path).write_text(text)
    repo.commit("chore: manifests", when="2026-10-14T10:00:00Z", file="tools/cli/main.go")
    repo.tag("tools/cli/v1.2.0", annotated_at="2026-10-15T10:00:00Z")
    repo.tag("gone@1.0.0", annotated_at="2026-10-15T10:00:00Z")  # no such directory
    done = run_cli("report", "--suggest", cwd=repo)
    assert done.exit_code == 0, done.stderr
    suggested = tomllib.loads(done.stdout)["services"]
    assert suggested == {
        "ai": {"paths": ["packages/ai"], "tags": "ai@*"},
        "@scope/openai": {"paths": ["packages/openai"], "tags": "@scope/openai@*"},
        "web": {"paths": ["packages/web"], "tags": "web@*"},
        "tools/cli": {"paths": ["tools/cli"], "tags": "tools/cli/v*"},
    }
    assert '# [services.gone]\n# paths = ["?"]' in done.stdout  # left to the reader
    # a package without releases would take its commits out of the totals and out of
    # outside_services alike: commented out until its deploys are recorded
    assert '# [services.internal]\n# paths = ["packages/internal"]' in done.stdout
    (repo.path / ".deploycount.toml").write_text(done.stdout + "\n[privacy]\nmin_team_size = 1\n")
    report = _report(repo, run_cli)
    # web is packages/web alone here: its one commit, c3, is reverted, so nobody is left to
    # show (the privacy floor hides a row of no people); c5 in apps/site is outside.
    assert (_service(report, "ai")["commits"], _service(report, "web")["suppressed"]) == (1, True)
    assert report["outside_services"] == 2  # c4 (README.md) and c5 (apps/site/page.ts)


def test_a_commit_dated_out_of_order_still_finds_its_service(
    repo: GitRepo, run_cli: RunCli
) -> None:
    """The paths are read in two halves by commit date; a commit whose committer date is
    older than its parent's (a rebase, a wrong clock) is read all the same."""
    _touch(repo, "packages/ai/a.ts", "packages/web/w.ts")
    repo.commit("start", when="2026-09-01T10:00:00Z", file="README.md")
    repo.tag("ai@1.0.0", annotated_at="2026-09-02T10:00:00Z")
    repo.tag("web@1.0.0", annotated_at="2026-09-02T10:00:00Z")
    _change(repo, "feat(web): one", "2026-10-02T10:00:00Z", "packages/web/w.ts")
    _touch(repo, "packages/ai/a.ts")
    repo.git("add", "-A")
    old = {"GIT_AUTHOR_DATE": "2026-10-03T10:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T10:00:00Z"}
    repo.git("commit", "-q", "-m", "feat(ai): backdated", env=old)
    _change(repo, "feat(ai): three", "2026-10-04T10:00:00Z", "packages/ai/a.ts")
    repo.tag("ai@1.1.0", annotated_at="2026-10-06T10:00:00Z")
    repo.tag("web@1.1.0", annotated_at="2026-10-06T10:00:00Z")
    (repo.path / ".deploycount.toml").write_text(
        "[privacy]\nmin_team_size = 1\n"
        '[services.ai]\npaths = ["packages/ai"]\ntags = "ai@*"\n'
        '[services.web]\npaths = ["packages/web"]\ntags = "web@*"\n'
    )
    report = _report(repo, run_cli)
    assert (_service(report, "ai")["commits"], _service(report, "web")["commits"]) == (2, 1)
    assert report["outside_services"] == 0


def test_a_commit_two_services_ship_counts_once_in_the_totals(
    repo: GitRepo, run_cli: RunCli
) -> None:
    monorepo(repo)
    shared = _change(repo, "feat: both\n\nAssisted-by: claude", "2026-10-20T10:00:00Z",
                     "packages/ai/both.ts", "packages/web/both.ts", author=DEV3)  # fmt: skip
    repo.tag("ai@5.0.3", annotated_at="2026-10-21T10:00:00Z")  # 24 h after the commit
    repo.tag("web@1.0.2", annotated_at="2026-10-23T10:00:00Z")  # 72 h after
    report = _report(repo, run_cli)
    # Each service ships it and counts it, with its own lead time.
    assert _service(report, "ai")["lead_time_hours"]["ai"]["n"] == 2  # c1 and the shared one
    assert _service(report, "web")["lead_time_hours"]["ai"] == {"n": 2, "p50": 48.0, "p90": 67.2}
    totals = report["totals"]
    # Totals: 5 deploys (the two new ones add up); the shared commit once, at ai@5.0.3 (24 h).
    assert (totals["deployments"], totals["ai_deployments"]) == (5, 4)
    assert (totals["commits"], totals["ai_commits"]) == (4, 3)
    assert totals["lead_time_hours"]["ai"]["n"] == 3  # c1 96 h, c5 24 h, shared 24 h
    assert totals["lead_time_hours"]["ai"]["p50"] == 24.0
    rows = {row["id"]: row for row in report["deployments"]}
    assert (rows["ai@5.0.3"]["commits"], rows["web@1.0.2"]["commits"]) == (1, 1)
    assert shared


def test_periods_add_up_to_the_window(repo: GitRepo, run_cli: RunCli) -> None:
    """--every: the services' deploys and commits, and the commits outside every service, fall
    in one period each (c4 is reached by ai@5.0.1, then again by the first deploy of openai
    and of web: it counts once, in the first week)."""
    monorepo(repo)
    whole = _report(repo, run_cli)
    done = run_cli("report", "--since", "2026-10-01", "--until", "2026-10-29", "--every", "1w",
                   "--format", "json", cwd=repo)  # fmt: skip
    assert done.exit_code == 0, done.stderr
    weeks = json.loads(done.stdout)
    assert [week["outside_services"] for week in weeks] == [1, 0, 0, 0]
    assert sum(w["totals"]["commits"] for w in weeks) == whole["totals"]["commits"]
    for name in ("ai", "web", "@scope/openai"):
        assert (
            sum(_service(w, name)["deployments"] or 0 for w in weeks)
            == (_service(whole, name)["deployments"])
        )


# -- the pure part, called directly ----------------------------------------------------------


def test_first_shipped_leaves_each_commit_with_the_first_deploy_of_any_service() -> None:
    # api ships rows 1, 2 on day 2; web ships rows 2, 3, 4 on day 1 and row 1 again on day 3;
    # row 4, which both own, api shipped before the span (its mark -2): it counts in neither
    api = [LinkedDeploy(deploy("a1", "x", 2, service="api"), "ship", array("i", [1, 2]))]
    web = [
        LinkedDeploy(deploy("w1", "y", 1, service="web"), "ship", array("i", [2, 3, 4])),
        LinkedDeploy(deploy("w2", "z", 3, service="web"), "ship", array("i", [1])),
    ]
    api_marks = array("i", [-1, 0, 0, -1, -2])
    web_marks = array("i", [-1, 1, 0, 0, 0])
    owners = {1: 0b11, 2: 0b11, 3: 0b10, 4: 0b11}
    first_api, first_web = first_shipped([(api, api_marks), (web, web_marks)], owners)
    assert [list(d.shipped) for d in first_api] == [[1]]  # row 2 went out with w1, a day earlier
    assert [list(d.shipped) for d in first_web] == [[2, 3], []]  # row 1 went out with a1
    # a row api reached before the span but does not own (web's only) still counts for web
    owners[4] = 0b10
    _, first_web = first_shipped([(api, api_marks), (web, web_marks)], owners)
    assert [list(d.shipped) for d in first_web] == [[2, 3, 4], []]


def test_commits_outside_every_service_count_in_the_period_they_first_shipped() -> None:
    outside = Monorepo(
        links=[], outside=[T0 + timedelta(days=1), None, T0 + timedelta(days=9)], owners={}
    )
    # None: a deploy before the span shipped it; it counts in no period of this report
    assert outside.outside_in(T0, T0 + timedelta(days=7)) == 1
    assert outside.outside_in(T0 + timedelta(days=7), T0 + timedelta(days=14)) == 1


def test_a_service_owned_by_an_undeclared_team_is_refused() -> None:
    check_owners([Service("api", ("api",), teams=("pay",))], [Team("pay", ("*@pay",))])
    with pytest.raises(
        UsageError, match=re.escape("services.api.teams: no team 'web' is declared")
    ):
        check_owners([Service("api", ("api",), teams=("web",))], [Team("pay", ("*@pay",))])


@pytest.mark.parametrize(
    ("paths", "changed", "bits"),
    [
        ((("api",), ("web",)), [b"api/x.py"], 0b01),
        ((("api",), ("web",)), [b"api/x.py", b"web/y.ts"], 0b11),
        ((("api",), ("web",)), [b"README.md"], 0),
        ((("api",), ("api/docs",)), [b"api/docs/a.md"], 0b11),  # nested: both own it
        ((("packages/*.ts",), ("web",)), [b"packages/a/b.ts"], 0b01),  # * crosses /
    ],
)
def test_the_owners_of_a_commit_are_every_service_whose_paths_it_touches(
    paths: tuple[tuple[str, ...], ...], changed: list[bytes], bits: int
) -> None:
    owners = PathOwners([Service(f"s{n}", spec) for n, spec in enumerate(paths)])
    assert owners.of_paths(changed) == bits


def _totals(report: dict[str, Any]) -> tuple[int, ...]:
    totals = report["totals"]
    return (totals["deployments"], totals["commits"], totals["ai_commits"],
            totals["reverted_commits"]["ai"] + totals["reverted_commits"]["human"],
            totals["lead_time_hours"]["ai"]["n"] + totals["lead_time_hours"]["human"]["n"],
            report["outside_services"])  # fmt: skip


def test_consecutive_windows_add_up_to_their_union(repo: GitRepo, run_cli: RunCli) -> None:
    """c3 touches ai and web: ai@5.0.1 ships it on 10-06, web@1.0.1 again on 10-09. The totals
    counted it once within a window, but again in a later one (and in a later --every
    period): 14 % of a real monorepo's commits. Split at every deploy, the two halves add up
    to the whole, exactly."""
    monorepo(repo)
    whole = _report(repo, run_cli)
    cuts = sorted({d["time"] for d in whole["deployments"]})
    for cut in cuts:
        first = _report(repo, run_cli, "--until", cut)
        second = _report(repo, run_cli, "--since", cut)
        added = tuple(a + b for a, b in zip(_totals(first), _totals(second), strict=True))
        assert added == _totals(whole), cut
    every = run_cli("report", "--since", "2026-09-27", "--until", "2026-11-01", "--every", "1w",
                    "--format", "json", cwd=repo).json()  # fmt: skip
    summed = tuple(map(sum, zip(*(_totals(r) for r in every), strict=True)))
    assert summed == _totals(_report(repo, run_cli, "--since", "2026-09-27"))


def test_record_refuses_a_service_whose_deploys_are_its_tags(
    repo: GitRepo, run_cli: RunCli
) -> None:
    """It was accepted and never read: the service's deploys are its tags."""
    monorepo(repo)
    one_line_error(run_cli("record", "--service", "ai", cwd=repo), 2, "services.ai.tags")
    backfill = run_cli("record", "--from-tags", "ai@*", "--service", "ai", cwd=repo)
    assert backfill.exit_code == 0, backfill.stderr  # the backfill before moving to the ledger


def test_services_read_the_ledger_that_covers_them(repo: GitRepo, run_cli: RunCli) -> None:
    """A ledger that starts after the window's start was passed over for tags:v* (no service's
    deploys) and the report advised record --from-tags 'v*'."""
    shas = monorepo(repo)
    repo.git("tag", "v0.1.0", shas["base"])  # a release tag older than the ledger
    config = (repo.path / ".deploycount.toml").read_text()
    (repo.path / ".deploycount.toml").write_text(config.replace('tags = "web@*"\n', ""))
    for ident, when, sha in (("w0", "2026-10-02T12:00:00Z", shas["base"]),
                             ("w1", "2026-10-09T10:00:00Z", shas["c5"])):  # fmt: skip
        done = run_cli("record", "--service", "web", "--id", ident, "--time", when, sha, cwd=repo)
        assert done.exit_code == 0, done.stderr
    report = _report(repo, run_cli)
    assert _service(report, "web")["deployments"] == 1
    assert not any("--from-tags 'v*'" in w for w in report["warnings"])
