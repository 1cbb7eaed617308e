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


def test_install_leaves_the_jobs_python_alone() -> None:
    steps = load_action()["runs"]["steps"]
    setup = next(s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python"))
    assert setup["with"]["update-environment"] is False
    install = next(s for s in steps if s.get("id") == "install")
    assert "$GITHUB_ACTION_PATH/action/bootstrap.py" in install["run"]


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


def test_empty_inputs_pass_no_flags_and_record_push_inputs_do() -> None:
    from deploycount.action import push_arguments, record_arguments, report_flags

    empty = {"INPUT_ENVIRONMENT": "", "INPUT_SINCE": " ", "INPUT_DEPLOYS": ""}
    assert report_flags(empty) == []
    record = record_arguments({
        "GITHUB_SHA": "abc123", "INPUT_STATUS": "failure", "INPUT_TIME": "2026-10-01T00:00:00Z",
        "INPUT_ID": "d-9", "INPUT_PUSH": "false", "INPUT_ENVIRONMENT": "staging",
    })  # fmt: skip
    assert record == ["record", "abc123", "--env", "staging", "--status", "failure",
                      "--time", "2026-10-01T00:00:00Z", "--id", "d-9"]  # fmt: skip
    assert record_arguments({"INPUT_SHA": "def"})[-1] == "--push"
    push = push_arguments({"INPUT_HEADERS": "Authorization: Bearer x\n\nX-Team: pay\n"})
    assert push == ["push", "--header", "Authorization: Bearer x", "--header", "X-Team: pay"]


def test_comment_writes_the_summary_once(tmp_path: Path) -> None:
    from deploycount.action import _write_outputs
    from tests.test_render import fixed_report

    summary = tmp_path / "summary"
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    _write_outputs(fixed_report(), tmp_path / "r.json", env, summary=False)
    assert not summary.exists()
    _write_outputs(fixed_report(), tmp_path / "r.json", env, summary=True)
    assert summary.read_text().count("## deploycount") == 1
