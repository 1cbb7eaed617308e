"""Hostile input, round 4 (issue 36): the new surfaces (services, suggest, the GraphQL source,
the ledger across clones). Each test failed before its fix."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import GitRepo, RunCli
from tests.test_services import WINDOW, monorepo


def test_the_table_shows_services_that_are_all_below_the_privacy_floor(
    repo: GitRepo, run_cli: RunCli, tmp_path: Path
) -> None:
    """Every service row hidden (below min_team_size, or a quiet week): the table is drawn
    (it crashed with "'int' object is not iterable"), through `merge` too."""
    monorepo(repo)
    config = repo.path / ".deploycount.toml"
    config.write_text(config.read_text().replace("min_team_size = 1", "min_team_size = 9"))
    table = run_cli("report", *WINDOW, cwd=repo)
    assert table.exit_code == 0, table.stderr
    assert "service" in table.stdout and "(fewer people than privacy.min_team_size" in table.stdout
    partial = run_cli("report", *WINDOW, "--format", "partial",
                      env={"DEPLOYCOUNT_PEOPLE_KEY": "k" * 16}, cwd=repo)  # fmt: skip
    assert partial.exit_code == 0, partial.stderr
    (tmp_path / "p.json").write_text(partial.stdout)
    merged = run_cli("merge", str(tmp_path / "p.json"), "--format", "table", cwd=tmp_path)
    assert merged.exit_code == 0 and "privacy.min_team_size: hidden" in merged.stdout, merged.stderr


def test_the_json_report_s_deployment_rows_read_back_as_an_events_file(
    repo: GitRepo, run_cli: RunCli, tmp_path: Path
) -> None:
    """`"service": null` on every row of a report without [services] was refused."""
    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v1.0", annotated_at="2026-09-02T10:00:00Z")
    repo.commit("feat: x\n\nAssisted-by: claude", when="2026-10-02T10:00:00Z")
    repo.tag("v1.1", annotated_at="2026-10-03T10:00:00Z")
    first = run_cli("report", *WINDOW, "--format", "json", cwd=repo)
    rows = first.json()["deployments"]
    assert rows and all(row["service"] is None for row in rows)
    events = tmp_path / "events.json"
    events.write_text(json.dumps(rows))
    again = run_cli("report", *WINDOW, "--format", "json", "--deploys", f"file:{events}", cwd=repo)
    assert again.exit_code == 0, again.stderr
    assert [d["sha"] for d in again.json()["deployments"]] == [row["sha"] for row in rows]
