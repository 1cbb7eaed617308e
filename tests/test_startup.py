"""Start-up cost: the package itself and the CLI's --help import none of the heavy libraries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from deploycount.hookrun import ALL_VARIABLES as AGENT_VARIABLES
from tests.conftest import GitRepo

HEAVY = ("pydantic", "requests", "prometheus_client")


@pytest.mark.parametrize(
    "code",
    [
        "import deploycount",
        "from deploycount.cli import cli",
    ],
)
def test_no_heavy_import(code: str) -> None:
    check = f"{code}; import sys; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{code!r} imported {result.stdout.strip()}"


@pytest.mark.parametrize("config", [False, True])
@pytest.mark.parametrize("agent", [{}, {"CLAUDECODE": "1"}])
def test_the_hook_imports_no_heavy_library(
    tmp_path: Path, agent: dict[str, str], config: bool
) -> None:
    """The hook as git runs it, for a person and for an agent, in a repository with or without
    config: neither pays for pydantic, requests or click."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    if config:
        (tmp_path / ".deploycount.toml").write_text('[attribution]\ntrailers = ["X-Agent"]\n')
    message = tmp_path / "MSG"
    message.write_text("change\n")
    check = (
        "import sys; from deploycount.hookrun import main; "
        f"main(['--stage', 'commit-msg', {str(message)!r}]); "
        f"print(','.join(m for m in {(*HEAVY, 'click')!r} if m in sys.modules))"
    )
    environ = {k: v for k, v in os.environ.items() if k not in AGENT_VARIABLES} | agent
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=tmp_path, env=environ, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    assert result.stdout.strip() == "", f"the hook imported {result.stdout.strip()}"
    tagged = "Assisted-by:" in message.read_text()
    assert tagged == bool(agent)


def test_a_report_imports_no_pydantic(repo: GitRepo) -> None:
    """`report` on tags, with a config file and teams: the config is read and the JSON written
    without pydantic (it is loaded only to read deploy events or a report back)."""
    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v0.1")
    repo.commit("feature\n\nAssisted-by: cursor", when="2026-10-02T10:00:00Z")
    repo.tag("v1.0", annotated_at="2026-10-03T00:00:00Z")
    (repo.path / ".deploycount.toml").write_text(
        '[report]\nsince = "2026-10-01"\nuntil = "2026-10-29"\n'
        '[teams.web]\nmembers = ["*"]\nsize = 3\n[privacy]\nmin_team_size = 1\n'
    )
    check = (
        "import sys; from deploycount.cli import main\n"
        "try: main(['report', '--format', 'json'])\n"
        "except SystemExit as exit: assert not exit.code, exit.code\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=repo.path, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout)["totals"]["ai_commits"] == 1
    assert result.stderr.strip() == "", f"report imported {result.stderr.strip()}"
