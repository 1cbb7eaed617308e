"""action.yml is wired safely and completely; its entry point writes outputs and the summary."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from deploycount.action import OUTPUTS
from tests.conftest import GitRepo

ACTION = Path(__file__).parents[1] / "action.yml"


def load_action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ACTION.read_text())
    return data


def test_every_input_is_used_and_no_expression_inside_run() -> None:
    action = load_action()
    steps = action["runs"]["steps"]
    assert action["runs"]["using"] == "composite"
    used = set()
    for step in steps:
        for value in list((step.get("env") or {}).values()) + list(
            (step.get("with") or {}).values()
        ):
            used.update(re.findall(r"inputs\.([a-z-]+)", str(value)))
        if "run" in step:
            assert "${{" not in step["run"], f"expression inside run: {step['run']}"
    assert used == set(action["inputs"])
    assert action["inputs"]["github-token"]["default"] == "${{ github.token }}"


def test_every_output_is_mapped_and_written() -> None:
    action = load_action()
    run_step = next(s for s in action["runs"]["steps"] if s.get("id") == "run")
    assert run_step["run"].strip().endswith("-m deploycount.action")
    for name, spec in action["outputs"].items():
        assert spec["value"] == f"${{{{ steps.run.outputs.{name} }}}}"
    assert set(action["outputs"]) == {*OUTPUTS, "report-path"}


def test_install_step_uses_its_own_virtualenv_and_path() -> None:
    install = load_action()["runs"]["steps"][1]["run"]
    assert "-m venv" in install and "$GITHUB_ACTION_PATH" in install


def test_entry_point_writes_outputs_and_summary(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v0.9")  # the baseline, before the window
    repo.commit("feat\n\nAssisted-by: claude\n", when="2026-10-02T10:00:00Z")
    repo.tag("v1.0", annotated_at="2026-10-03T00:00:00Z")
    output, summary = tmp_path / "output", tmp_path / "summary"
    env = {
        "PATH": __import__("os").environ["PATH"], "HOME": str(tmp_path),
        "INPUT_COMMAND": "report", "INPUT_SINCE": "2026-10-01", "INPUT_UNTIL": "2026-10-29",
        "INPUT_ENVIRONMENT": "production", "RUNNER_TEMP": str(tmp_path),
        "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
    }  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "deploycount.action"],
        cwd=repo.path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert outputs["deployments"] == "1" and outputs["ai-deployments"] == "1"
    assert outputs["ai-commit-share"] == "1.0"
    assert json.loads(Path(outputs["report-path"]).read_text())["totals"]["commits"] == 1
    assert summary.read_text().startswith("## deploycount")
