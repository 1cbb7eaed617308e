"""Hostile input, round 4 (issue 36): the new surfaces (services, suggest, the GraphQL source,
the ledger across clones). Each test failed before its fix."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from tests.conftest import GitRepo, RunCli, one_line_error
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
