"""The GitHub Action's entry point: inputs from `INPUT_*` variables (never interpolated into a
script), the command run in a subprocess, outputs to `$GITHUB_OUTPUT`, Markdown to the summary.

An empty input means "not given": no flag is passed, so the repository's `.deploycount.toml` and
then deploycount's defaults apply. The checkout is deepened when it is shallow or has no tags
(actions/checkout's default), so the report is not all zeros for want of history.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

from deploycount import git
from deploycount.model import Report, report_from_json
from deploycount.render import render_markdown

COMMANDS = ("report", "record", "push", "comment", "lint")
OUTPUTS = {
    "deployments": "deployments",
    "ai-deployments": "ai_deployments",
    "normalised-deployments": "normalised_deployments",
    "ai-normalised-deployments": "ai_normalised_deployments",
    "ai-commit-share": "ai_commit_share",
}
_TRUE = frozenset({"true", "yes", "1", "on"})


def _input(environ: Mapping[str, str], name: str) -> str:
    return environ.get(f"INPUT_{name.upper()}", "").strip()


def _flags(environ: Mapping[str, str], names: Mapping[str, str]) -> list[str]:
    """`--flag value` for each input that was given (input name -> flag)."""
    flags: list[str] = []
    for name, flag in names.items():
        value = _input(environ, name)
        if value:
            flags += [flag, value]
    return flags


def report_flags(environ: Mapping[str, str]) -> list[str]:
    names = {"environment": "--env", "deploys": "--deploys", "since": "--since"}
    return _flags(environ, {**names, "until": "--until", "config": "--config"})


def record_arguments(environ: Mapping[str, str]) -> list[str]:
    sha = _input(environ, "sha") or environ.get("GITHUB_SHA", "HEAD")
    names = {"environment": "--env", "status": "--status", "time": "--time", "id": "--id"}
    arguments = ["record", sha, *_flags(environ, {**names, "config": "--config"})]
    if (_input(environ, "push") or "true").lower() in _TRUE:
        arguments.append("--push")
    return arguments


def push_arguments(environ: Mapping[str, str]) -> list[str]:
    arguments = ["push", *_flags(environ, {"sink": "--sink", "endpoint": "--to"})]
    for line in _input(environ, "headers").splitlines():
        if line.strip():
            arguments += ["--header", line.strip()]
    return arguments


def lint_range(environ: Mapping[str, str]) -> list[str]:
    explicit = _input(environ, "revrange")
    if explicit:
        return explicit.split()
    base, head = environ.get("GITHUB_BASE_REF"), environ.get("GITHUB_SHA")
    return [f"origin/{base}..{head}"] if base and head else []


FETCH_SECONDS = 600.0  # a whole history on a slow runner; a hung remote is ended then


def _git(*args: str, timeout: float | None = None) -> git.Result:
    return git.run(args, ".", plain=True, timeout=timeout)


def ensure_history(environ: Mapping[str, str]) -> str | None:
    """Deepen a shallow checkout and fetch tags (and, for lint, the pull request's base).
    Returns a one-line error when that cannot be done."""
    shallow = _git("rev-parse", "--is-shallow-repository").text().strip() == "true"
    no_tags = not _git("tag", "--list").text().strip()
    if shallow or no_tags:
        args = ["fetch", "--quiet", "--tags", "origin"]
        if shallow:
            args.insert(2, "--unshallow")
        fetched = _git(*args, timeout=FETCH_SECONDS)
        if fetched.returncode != 0 and shallow:
            reason = git.failure("fetch", fetched.stderr).removeprefix("git fetch failed: ")
            return (
                f"the checkout is shallow and could not be deepened ({reason}): use "
                "actions/checkout with fetch-depth: 0"
            )
    base = environ.get("GITHUB_BASE_REF")
    if _input(environ, "command") == "lint" and base and not _input(environ, "revrange"):
        _git(
            "fetch",
            "--quiet",
            "--no-tags",
            "origin",
            f"+refs/heads/{base}:refs/remotes/origin/{base}",
            timeout=FETCH_SECONDS,
        )
    return None


def _run(arguments: list[str]) -> int:
    return git.run_deploycount(arguments)


def _write_outputs(
    report: Report, path: Path, environ: Mapping[str, str], *, summary: bool
) -> None:
    output = environ.get("GITHUB_OUTPUT")
    if output:
        totals = asdict(report.totals)
        with open(output, "a", encoding="utf-8") as handle:
            for name, key in OUTPUTS.items():
                value = totals[key]
                handle.write(f"{name}={'' if value is None else value}\n")
            handle.write(f"report-path={path}\n")
    target = environ.get("GITHUB_STEP_SUMMARY")
    if summary and target:
        with open(target, "a", encoding="utf-8") as handle:
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
        return _run(record_arguments(environ))
    problem = ensure_history(environ)
    if problem is not None:
        print(f"deploycount: error: {problem}", file=sys.stderr)
        return 2
    if command == "lint":
        return _run(["lint", *lint_range(environ), *_flags(environ, {"config": "--config"})])
    flags = report_flags(environ)
    path = Path(environ.get("RUNNER_TEMP") or ".") / "deploycount-report.json"
    code = _run(["report", "--format", "json", "--output", str(path), *flags])
    if code != 0:
        return code
    report = report_from_json(path.read_text("utf-8"))
    # comment writes its own body to the summary: the report is written there once.
    _write_outputs(report, path, environ, summary=command != "comment")
    if command == "push":
        return _run([*push_arguments(environ), *flags])
    if command == "comment":
        return _run(["comment", *flags])
    return 0


if __name__ == "__main__":
    sys.exit(main())
