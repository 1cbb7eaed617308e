"""Start-up cost: the package itself and the CLI's --help import none of the heavy libraries."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from deploycount.hookrun import ALL_VARIABLES as AGENT_VARIABLES

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


@pytest.mark.parametrize("agent", [{}, {"CLAUDECODE": "1"}])
def test_the_hook_imports_no_heavy_library(tmp_path: Path, agent: dict[str, str]) -> None:
    """The hook as git runs it, for a person and for an agent, in a repository without config:
    neither pays for pydantic, requests or click."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
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
