"""Every file format the documentation (README, CONTRIBUTING, docs/) shows is parsed by the real
parser: TOML config blocks load as a
valid `.deploycount.toml`, JSON blocks parse, Python blocks run (beside a real report.json)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from deploycount.config import parse_config
from tests.docs import blocks


@pytest.mark.parametrize("block", blocks("toml"))
def test_toml_blocks_are_valid_config(block: str, tmp_path: Path) -> None:
    path = tmp_path / ".deploycount.toml"
    path.write_text(block)
    parse_config(path)


@pytest.mark.parametrize("block", blocks("json"))
def test_json_blocks_parse(block: str) -> None:
    for line in block.strip().splitlines() if block.lstrip().startswith('{"') else [block]:
        json.loads(line)


@pytest.mark.parametrize("block", blocks("python"))
def test_python_blocks_run(block: str, tmp_path: Path) -> None:
    """Each Python example runs in a real repository with a release in 2026, beside a real
    report.json, and prints something."""
    from tests.conftest import make_repo
    from tests.test_render import fixed_report

    repo = make_repo(tmp_path / "repo")
    repo.commit("base", when="2026-02-01T10:00:00Z")
    repo.tag("v1.0")
    repo.commit("feat\n\nAssisted-by: cursor", when="2026-03-01T10:00:00Z")
    repo.tag("v1.1", annotated_at="2026-03-02T10:00:00Z")
    (repo.path / "report.json").write_text(fixed_report().to_json())
    result = subprocess.run(
        [sys.executable, "-c", block], cwd=repo.path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "a README example that prints nothing shows nothing"


def test_there_are_blocks_to_check() -> None:
    assert blocks("toml") and blocks("json") and blocks("python")
