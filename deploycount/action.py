"""The GitHub Action's entry point: inputs from `INPUT_*` variables (never interpolated into a
script), the command run in a subprocess, outputs to `$GITHUB_OUTPUT`, Markdown to the summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from deploycount.model import Report
from deploycount.options import DEFAULT_ENVIRONMENT
from deploycount.render import render_markdown

COMMANDS = ("report", "record", "push", "comment", "lint")
OUTPUTS = {
    "deployments": "deployments",
    "ai-deployments": "ai_deployments",
    "normalised-deployments": "normalised_deployments",
    "ai-normalised-deployments": "ai_normalised_deployments",
    "ai-commit-share": "ai_commit_share",
}


def _input(environ: Mapping[str, str], name: str) -> str:
    return environ.get(f"INPUT_{name.upper()}", "").strip()


def report_flags(environ: Mapping[str, str]) -> list[str]:
    flags = ["--env", _input(environ, "environment") or DEFAULT_ENVIRONMENT]
    for name in ("deploys", "since", "until", "config"):
        value = _input(environ, name)
        if value:
            flags += [f"--{name}", value]
    return flags


def lint_range(environ: Mapping[str, str]) -> list[str]:
    explicit = _input(environ, "revrange")
    if explicit:
        return explicit.split()
    base, head = environ.get("GITHUB_BASE_REF"), environ.get("GITHUB_SHA")
    return [f"origin/{base}..{head}"] if base and head else []


def _run(arguments: list[str]) -> int:
    return subprocess.run([sys.executable, "-m", "deploycount", *arguments], check=False).returncode


def _write_outputs(report: Report, path: Path, environ: Mapping[str, str]) -> None:
    output = environ.get("GITHUB_OUTPUT")
    if output:
        totals = report.totals.model_dump()
        with open(output, "a", encoding="utf-8") as handle:
            for name, key in OUTPUTS.items():
                value = totals[key]
                handle.write(f"{name}={'' if value is None else value}\n")
            handle.write(f"report-path={path}\n")
    summary = environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(render_markdown(report) + "\n")


def main(environ: Mapping[str, str] = os.environ) -> int:
    command = _input(environ, "command") or "report"
    if command not in COMMANDS:
        print(
            f"deploycount: error: unknown command input {command!r}: "
            f"use one of {', '.join(COMMANDS)}",
            file=sys.stderr,
        )
        return 2
    if command == "record":
        return _run(
            [
                "record",
                environ.get("GITHUB_SHA", "HEAD"),
                "--env",
                _input(environ, "environment") or DEFAULT_ENVIRONMENT,
                "--push",
            ]
        )
    if command == "lint":
        return _run(["lint", *lint_range(environ)])
    flags = report_flags(environ)
    path = Path(environ.get("RUNNER_TEMP") or ".") / "deploycount-report.json"
    code = _run(["report", "--format", "json", "--output", str(path), *flags])
    if code != 0:
        return code
    _write_outputs(Report.model_validate(json.loads(path.read_text("utf-8"))), path, environ)
    if command == "push":
        return _run(
            ["push", "--sink", _input(environ, "sink"), "--to", _input(environ, "endpoint"), *flags]
        )
    if command == "comment":
        return _run(["comment", *flags])
    return 0


if __name__ == "__main__":
    sys.exit(main())
