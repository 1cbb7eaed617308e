"""One team directory for many repositories: a shared file (path or URL, cached) and the teams
of a GitHub organisation, against the GitHub-like test server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GitRepo, RunCli
from tests.fake_github import REPO, GitHubState, fake_github
from tests.servers import Reply, scripted_server

WINDOW = ("--since", "2026-10-01", "--until", "2026-10-29")
ANN = "Ann <12345+ann-gh@users.noreply.github.com>"  # a noreply address names the login
BEN = "Ben <ben@corp.example.com>"  # only GitHub knows this is ben-gh
CY = "Cy <cy@corp.example.com>"


@pytest.fixture
def shipped(repo: GitRepo) -> GitRepo:
    repo.commit("base", author=ANN, when="2026-09-01T10:00:00Z")
    repo.tag("v0.1")
    repo.commit("feat: a", author=ANN, when="2026-10-02T10:00:00Z")
    repo.commit("feat: b", author=BEN, when="2026-10-03T10:00:00Z")
    repo.commit("feat: c", author=CY, when="2026-10-03T11:00:00Z")
    repo.tag("v1.0", annotated_at="2026-10-04T00:00:00Z")
    return repo


def _commit(email: str, login: str | None, date: str) -> dict[str, Any]:
    return {"sha": "f" * 40, "author": {"login": login} if login else None,
            "commit": {"author": {"email": email, "date": date}}}  # fmt: skip


def test_github_organisation_teams(shipped: GitRepo, run_cli: RunCli) -> None:
    state = GitHubState()
    # 150 teams over two pages; "pay" has 120 members over two pages, ann and ben among them.
    state.org_teams["acme"] = [{"slug": f"team-{n:03d}"} for n in range(149)] + [{"slug": "pay"}]
    members = [{"login": f"someone-{n}"} for n in range(118)]
    state.team_members[("acme", "pay")] = [*members, {"login": "Ann-GH"}, {"login": "ben-gh"}]
    # The repository's commits, newest first: ben's address is linked to ben-gh; cy's to no one.
    state.repo_commits = [
        *[_commit(f"other{n}@corp.example.com", f"other-{n}", "2026-10-03T12:00:00Z")
          for n in range(130)],
        _commit("cy@corp.example.com", None, "2026-10-03T11:00:00Z"),
        _commit("ben@corp.example.com", "ben-gh", "2026-10-03T10:00:00Z"),
    ]  # fmt: skip
    (shipped.path / ".deploycount.toml").write_text(
        '[teams]\nsource = "github:acme"\nonly = ["pay"]\n\n[privacy]\nmin_team_size = 1\n'
    )
    with fake_github(state) as github:
        env = {"GITHUB_TOKEN": "good-token", "GITHUB_API_URL": github.url,
               "GITHUB_REPOSITORY": REPO}  # fmt: skip
        result = run_cli("report", *WINDOW, "--format", "json", cwd=shipped, env=env)
    assert result.exit_code == 0, result.stderr
    report = result.json()
    rows = {t["team"]: t for t in report["teams"]}
    assert set(rows) == {"pay", "unassigned"}
    assert (rows["pay"]["people"], rows["pay"]["commits"]) == (2, 2)  # ann by noreply, ben by API
    assert (rows["unassigned"]["people"], rows["unassigned"]["commits"]) == (1, 1)  # cy
    assert any("1 email(s) could not be matched" in w for w in report["warnings"])
    asked = [path for _, path in state.requests]
    assert asked.count("/orgs/acme/teams") == 2  # both pages
    assert asked.count("/orgs/acme/teams/pay/members") == 2
    assert not any(p.startswith("/orgs/acme/teams/team-") for p in asked)  # only= is honoured
    # Batches of a hundred commits, not a request per commit: 132 commits, two pages.
    assert asked.count(f"/repos/{REPO}/commits") == 2


def test_github_teams_errors(shipped: GitRepo, run_cli: RunCli) -> None:
    state = GitHubState()
    state.org_teams["acme"] = [{"slug": "web"}]
    state.team_members[("acme", "web")] = []
    (shipped.path / ".deploycount.toml").write_text(
        '[teams]\nsource = "github:acme"\nonly = ["pay"]\n'
    )
    with fake_github(state) as github:
        env = {"GITHUB_TOKEN": "good-token", "GITHUB_API_URL": github.url}
        result = run_cli("report", *WINDOW, cwd=shipped, env=env)
        assert result.exit_code == 2 and "teams.only names pay" in result.stderr
        result = run_cli("report", *WINDOW, cwd=shipped, env={"GITHUB_API_URL": github.url})
        assert result.exit_code == 2 and "needs GITHUB_TOKEN" in result.stderr
    (shipped.path / ".deploycount.toml").write_text('[teams]\nsource = "gitlab:acme"\n')
    result = run_cli("report", *WINDOW, cwd=shipped)
    assert result.exit_code == 2 and "teams.source: must be github:ORG" in result.stderr


SHARED = """
[teams.pay]
members = ["@ann-gh", "ben@corp.example.com"]
size = 4

[teams.web]
members = ["cy@corp.example.com"]
"""


def test_shared_team_file_by_path_and_url(
    shipped: GitRepo, run_cli: RunCli, tmp_path: Path
) -> None:
    shared = tmp_path / "org" / "teams.toml"
    shared.parent.mkdir()
    shared.write_text(SHARED)
    config = tmp_path / "org" / "deploycount.toml"
    # A relative include is read next to the config file; a local team of the same name wins.
    config.write_text('[teams]\ninclude = "teams.toml"\n\n[teams.web]\nmembers = ["nobody@x"]\n')
    result = run_cli("report", *WINDOW, "--config", str(config), "--format", "json", cwd=shipped)
    assert result.exit_code == 0, result.stderr
    rows = {t["team"]: t for t in result.json()["teams"]}
    assert list(rows) == ["web", "pay", "unassigned"]
    assert rows["pay"]["size"] == 4 and rows["pay"]["commits"] == 2  # declared; @ann-gh by noreply

    cache = tmp_path / "cache"
    env = {"XDG_CACHE_HOME": str(cache)}
    with scripted_server(lambda request, n: Reply(200, SHARED.encode())) as server:
        (shipped.path / ".deploycount.toml").write_text(
            f'[teams]\ninclude = "{server.url}/teams.toml"\n'
        )
        for _ in range(2):
            result = run_cli("report", *WINDOW, "--format", "json", cwd=shipped, env=env)
            assert result.exit_code == 0, result.stderr
            assert [t["team"] for t in result.json()["teams"]] == ["pay", "web"]
    assert len(server.received) == 1  # the second run read the cached copy
    assert list((cache / "deploycount").glob("teams-*.toml"))

    with scripted_server(lambda request, n: Reply(404, b"gone")) as server:
        (shipped.path / ".deploycount.toml").write_text(
            f'[teams]\ninclude = "{server.url}/missing.toml"\n'
        )
        result = run_cli("report", *WINDOW, cwd=shipped, env=env)
    assert result.exit_code == 1
    assert "missing.toml" in result.stderr and len(result.stderr.strip().splitlines()) == 1

    bad = tmp_path / "org" / "bad.toml"
    bad.write_text("[teams.pay]\nmembers = []\n")
    config.write_text('[teams]\ninclude = "bad.toml"\n')
    result = run_cli("report", *WINDOW, "--config", str(config), cwd=shipped)
    assert result.exit_code == 2 and "bad.toml" in result.stderr and "teams.pay" in result.stderr
    config.write_text('[teams]\ninclude = "http://teams.example.com/t.toml"\n')
    result = run_cli("report", *WINDOW, "--config", str(config), cwd=shipped)
    assert result.exit_code == 2 and "use an https URL" in result.stderr
