"""The Action as a runner runs it: action.yml and the README's workflows against GitHub's published
schemas (bundled in check-jsonschema, offline), the pinned dependencies against pyproject.toml,
the Windows path logic, and the composite steps executed the way a runner does — inputs mapped
into `env:`, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_ACTION_PATH, a shallow clone of a real
history — with no package index (a wheelhouse)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

from tests import docs
from tests.conftest import GitRepo, make_repo
from tests.tools import required_tool

ROOT = Path(__file__).resolve().parents[1]


def check_jsonschema() -> str:
    return required_tool("check-jsonschema", "pip install check-jsonschema")


def readme_workflows() -> list[str]:
    return [block for block in docs.blocks("yaml") if re.search(r"^jobs:", block, flags=re.M)]


def test_action_yml_validates_against_githubs_schema() -> None:
    result = subprocess.run([check_jsonschema(), "--builtin-schema", "vendor.github-actions",
                             str(ROOT / "action.yml")], capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("number", range(len(readme_workflows())))
def test_readme_workflows_validate_against_githubs_schema(number: int, tmp_path: Path) -> None:
    path = tmp_path / f"workflow-{number}.yml"
    path.write_text(readme_workflows()[number])
    result = subprocess.run([check_jsonschema(), "--builtin-schema", "vendor.github-workflows",
                             str(path)], capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_pinned_dependencies_satisfy_pyproject() -> None:
    pins = {}
    for line in (ROOT / "action" / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.lower().replace("_", "-")] = version.strip()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for dependency in project["dependencies"]:
        requirement = Requirement(dependency)
        name = requirement.name.lower().replace("_", "-")
        assert name in pins, f"{name} is not pinned in action/constraints.txt"
        assert requirement.specifier.contains(pins[name]), (name, pins[name])


def load_bootstrap() -> Any:
    spec = importlib.util.spec_from_file_location("bootstrap", ROOT / "action" / "bootstrap.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_virtualenv_python_on_each_runner() -> None:
    bootstrap = load_bootstrap()
    root = Path("/tmp/venv")
    assert bootstrap.venv_python(root, windows=True) == root / "Scripts" / "python.exe"
    assert bootstrap.venv_python(root, windows=False) == root / "bin" / "python"
    args = bootstrap.pip_arguments(Path("/a"), "/wheels")
    assert (
        args[-1] == "deploycount" and "--no-index" in args and "/a/action/constraints.txt" in args
    )
    assert bootstrap.pip_arguments(Path("/a"), "")[-1] == "/a"
    # A release ref installs the released wheel of this checkout's version; any other ref (a
    # branch, a sha, v1-beta) builds the source.
    version = bootstrap.release_version(ROOT)
    for ref in ("v1", "v0.1", "v0.1.0"):
        args = bootstrap.pip_arguments(ROOT, "", ref)
        assert args[-1] == f"deploycount=={version}" and "--only-binary" in args, ref
    for ref in ("main", "3f2c9a1d", "v1-beta", ""):
        assert bootstrap.pip_arguments(ROOT, "", ref)[-1] == str(ROOT), ref


# -- the composite steps, run the way a runner runs them ---------------------------------------

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def evaluate(expression: str, context: dict[str, Any]) -> str:
    """The few expression forms action.yml uses: a dotted name, and `a == b && 'x' || 'y'`."""
    match = re.fullmatch(r"(\S+) == (\S+) && '([^']*)' \|\| '([^']*)'", expression)
    if match:
        equal = evaluate(match[1], context) == evaluate(match[2], context)
        return match[3] if equal else match[4]
    value: Any = context
    for part in expression.split("."):
        value = value.get(part, "") if isinstance(value, dict) else ""
    return str(value)


def substitute(text: str, context: dict[str, Any]) -> str:
    return EXPRESSION.sub(lambda m: evaluate(m[1], context), str(text))


def run_action(workspace: Path, tmp: Path, given: dict[str, str], base_env: dict[str, str]) -> tuple[dict[str, str], str]:  # fmt: skip
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    inputs = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    context: dict[str, Any] = {
        "github": {"token": "ghs_workflow_token", "action_ref": "v0-test"},
        "runner": {"os": "Linux", "temp": str(tmp)},
        "steps": {},
    }
    context["inputs"] = {k: substitute(v, context) for k, v in {**inputs, **given}.items()}
    summary = tmp / "summary.md"
    outputs: dict[str, str] = {}
    for number, step in enumerate(action["runs"]["steps"]):
        uses = str(step.get("uses", ""))
        if uses.startswith("actions/setup-python"):
            context["steps"][step["id"]] = {"outputs": {"python-path": sys.executable,
                                                        "python-version": "3.11"}}  # fmt: skip
            continue
        if uses:
            continue  # actions/cache: a cache miss
        output_file = tmp / f"output-{number}"
        output_file.write_text("")
        env = {**base_env, "GITHUB_ACTION_PATH": str(ROOT), "RUNNER_TEMP": str(tmp),
               "GITHUB_OUTPUT": str(output_file), "GITHUB_STEP_SUMMARY": str(summary)}  # fmt: skip
        env.update({k: substitute(v, context) for k, v in (step.get("env") or {}).items()})
        result = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=workspace, env=env,
                                capture_output=True, text=True, check=False)  # fmt: skip
        assert result.returncode == 0, f"step {step.get('name')}: {result.stdout}{result.stderr}"
        produced = dict(
            line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line
        )
        if "id" in step:
            context["steps"][step["id"]] = {"outputs": produced}
        outputs.update(produced)
    return outputs, summary.read_text() if summary.exists() else ""


@pytest.mark.slow
def test_the_composite_action_on_a_shallow_checkout(tmp_path: Path) -> None:
    wheelhouse = tmp_path / "wheelhouse"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "-w", str(wheelhouse), "-c",
         str(ROOT / "action" / "constraints.txt"), str(ROOT)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr

    origin = make_repo(tmp_path / "origin")
    origin.commit("base", when="2026-01-05T10:00:00Z")
    origin.tag("v1.0", annotated_at="2026-01-06T00:00:00Z")
    origin.commit("feat\n\nAssisted-by: Claude\n", when="2026-02-02T10:00:00Z")
    origin.tag("v1.1", annotated_at="2026-02-03T00:00:00Z")
    # the config asks for an 8-week window ending on Feb 9th; the inputs are left empty
    (origin.path / ".deploycount.toml").write_text('[report]\nsince = "8w"\nuntil = "2026-02-09"\n')
    origin.git("add", ".deploycount.toml")
    origin.commit("config", when="2026-02-04T10:00:00Z")
    workspace = tmp_path / "workspace"  # what actions/checkout leaves: depth 1, no tags
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--no-tags", f"file://{origin.path}",
                    str(workspace)], check=True)  # fmt: skip
    base_env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "GITHUB_REPOSITORY": "acme/api",
                "GITHUB_SHA": GitRepo(workspace).head(), "GIT_CONFIG_NOSYSTEM": "1"}  # fmt: skip
    outputs, summary = run_action(
        workspace, tmp_path, {"command": "report", "wheelhouse": str(wheelhouse)}, base_env
    )
    assert (tmp_path / "deploycount-venv").exists()  # its own virtualenv, not the job's Python
    assert outputs["deployments"] == "1" and outputs["ai-deployments"] == "1"
    report = json.loads(Path(outputs["report-path"]).read_text())
    assert report["weeks"] == 8.0 and report["until"] == "2026-02-09T00:00:00Z"  # config won
    assert summary.count("## deploycount") == 1
    assert GitRepo(workspace).git("rev-parse", "--is-shallow-repository") == "false"
