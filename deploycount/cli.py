"""The command line: parse flags, build settings, call the core, turn errors into exit codes.

Only this module writes to the terminal. Data goes to stdout, chatter and errors to stderr.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from deploycount import hook as hooks
from deploycount.attribution import NO_SIGNALS, Confidence, Person
from deploycount.config import FileConfig, choose, load_config
from deploycount.errors import DeploycountError, LintFailure, UsageError
from deploycount.history import Repository
from deploycount.ledger import PUSH_ATTEMPTS, push_ledger, record_deploy
from deploycount.lint import lint_message
from deploycount.masking import mask
from deploycount.model import Report, report_json_schema
from deploycount.progress import progress_for
from deploycount.render import render_markdown, render_table
from deploycount.service import (
    DEFAULT_ENVIRONMENT,
    ReportOptions,
    ReportSettings,
    ScanRow,
    generate_report,
    markers_from_config,
    minimum_confidence,
    resolve_settings,
    scan_commits,
)
from deploycount.timeutil import parse_when, utc_now

F = TypeVar("F", bound=Callable[..., Any])
CONFIDENCE = click.Choice(["low", "medium", "high"], case_sensitive=False)


class State:
    """What the group's options leave for the commands."""

    def __init__(self, directory: str, debug: bool) -> None:
        self.directory = directory
        self.debug = debug

    def repository(self) -> Repository:
        return Repository(self.directory)


def fail(message: str, code: int) -> NoReturn:
    click.echo(mask(f"deploycount: error: {message}"), err=True)
    sys.exit(code)


def _print_traceback() -> None:
    click.echo(mask(traceback.format_exc()), err=True, nl=False)


class DeploycountGroup(click.Group):
    """Maps every failure to one line on stderr and the contract's exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except DeploycountError as error:
            if _debugging(ctx):
                _print_traceback()
            fail(str(error), error.exit_code)
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except Exception as error:  # the last line of defence: one line, no traceback
            if _debugging(ctx):
                _print_traceback()
            fail(
                f"unexpected {type(error).__name__}: {error} "
                "(a bug: rerun with --debug and report it)",
                1,
            )

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        standalone = standalone_mode
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as error:
            hint = " (see deploycount --help)" if isinstance(error, click.UsageError) else ""
            fail(f"{error.format_message()}{hint}", error.exit_code)
        except click.Abort:
            fail("aborted", 1)
        if standalone:
            sys.exit(result if isinstance(result, int) else 0)
        return result


def _debugging(ctx: click.Context) -> bool:
    root = ctx.find_root()
    return isinstance(root.obj, State) and root.obj.debug


@click.group(cls=DeploycountGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-C",
    "directory",
    default=".",
    metavar="DIR",
    help="Run as if started in DIR (like git -C).",
)
@click.option("--debug", is_flag=True, help="Print tracebacks for errors.")
@click.version_option(package_name="deploycount")
@click.pass_context
def cli(ctx: click.Context, directory: str, debug: bool) -> None:
    """Measure AI-assisted work by what ships: normalised deployments per team."""
    ctx.obj = State(directory, debug)


config_option = click.option(
    "--config", "config_path", metavar="PATH", help="Config file. [default: .deploycount.toml]"
)


def report_options(command: F) -> F:
    """The options every report-producing command takes (report, push, comment)."""
    decorators = [
        click.option(
            "--since", help="Window start: ISO date/time or 28d, 4w before --until. [default: 28d]"
        ),
        click.option(
            "--until", help="Window end (exclusive): ISO date/time or 'now'. [default: now]"
        ),
        click.option("--env", help="Deploy environment. [default: production]"),
        click.option(
            "--deploys",
            "deploys",
            metavar="SPEC",
            help="tags:GLOB[,!GLOB], notes, github or file:PATH.",
        ),
        config_option,
        click.option(
            "--min-confidence",
            type=CONFIDENCE,
            help="Weakest signal that counts. [default: medium]",
        ),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def _load(state: State, config_path: str | None) -> tuple[Repository, FileConfig]:
    repo = state.repository()
    config, _ = load_config(config_path, repo.root)
    return repo, config


def _settings_from_flags(
    state: State, flags: dict[str, Any]
) -> tuple[Repository, FileConfig, ReportSettings]:
    """The repository, its config, and the report settings the `report_options` flags ask for."""
    repo, config = _load(state, flags.get("config_path"))
    options = ReportOptions(
        since=flags.get("since"),
        until=flags.get("until"),
        env=flags.get("env"),
        deploys=flags.get("deploys"),
        min_confidence=flags.get("min_confidence"),
    )
    return repo, config, resolve_settings(options, config, now=utc_now())


def build_report_from_flags(state: State, **flags: Any) -> tuple[Report, FileConfig]:
    repo, config, settings = _settings_from_flags(state, flags)
    progress = progress_for(sys.stderr)
    try:
        report = generate_report(repo, settings, environ=os.environ, progress=progress)
    finally:
        if progress is not None:
            progress.close()
    return report, config


def _write(text: str, output: str | None) -> None:
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write --output {output}: {error.strerror}") from None


@cli.command()
@report_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "markdown"]),
    help="[default: table]",
)
@click.option("--output", metavar="FILE", help="Write the report to FILE instead of stdout.")
@click.pass_obj
def report(state: State, /, output_format: str | None, output: str | None, **flags: Any) -> None:
    """Normalised deployments for the window, per team and in total."""
    result, config = build_report_from_flags(state, **flags)
    chosen = choose(output_format, config.report.format, "table")
    if chosen == "json":
        text = result.to_json() + "\n"
    elif chosen == "markdown":
        text = render_markdown(result)
    else:
        text = render_table(result)
    _write(text, choose(output, config.report.output, None))


@cli.command()
@click.argument("revrange", nargs=-1)
@click.option(
    "-n", "--max-count", type=click.IntRange(min=1), help="Only the newest N commits of the range."
)
@click.option(
    "--min-confidence", type=CONFIDENCE, help="Weakest signal that counts. [default: medium]"
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
@config_option
@click.pass_obj
def scan(
    state: State,
    /,
    *,
    revrange: tuple[str, ...],
    max_count: int | None,
    min_confidence: str | None,
    output_format: str,
    config_path: str | None,
) -> None:
    """Show the AI-assistance signals of each commit in REVRANGE (default HEAD)."""
    repo, config = _load(state, config_path)
    minimum = minimum_confidence(min_confidence, config)
    rows = scan_commits(repo, list(revrange), markers_from_config(config), max_count=max_count)
    if output_format == "json":
        _stream_json(rows, minimum)
    else:
        _scan_table(rows, minimum)


def scan_record(row: ScanRow, minimum: Confidence) -> dict[str, Any]:
    attribution = row.attribution
    confidence = attribution.confidence()
    return {
        "sha": row.sha,
        "author": str(row.author),
        "ai_assisted": attribution.is_ai(minimum),
        "tools": list(attribution.tools(minimum)),
        "confidence": confidence.label if confidence else None,
        "signals": [
            {
                "signal": s.signal,
                "tool": s.tool,
                "confidence": s.confidence.label,
                "detail": s.detail,
            }
            for s in attribution.signals
        ],
    }


def _stream_json(rows: Iterator[ScanRow], minimum: Confidence) -> None:
    """A JSON array written one element at a time, so a long history never sits in memory.

    Most commits carry no signal; their element differs only in sha and author, so it is
    filled into a template instead of going through json.dumps."""
    out = sys.stdout
    authors: dict[Person, str] = {}
    out.write("[")
    pending: list[str] = []
    separator = "\n  "
    for row in rows:
        if row.attribution is NO_SIGNALS:
            author = authors.get(row.author)
            if author is None:
                author = authors[row.author] = json.dumps(str(row.author), ensure_ascii=False)
            element = (
                f'{{"sha": "{row.sha}", "author": {author}, "ai_assisted": false, '
                '"tools": [], "confidence": null, "signals": []}'
            )
        else:
            element = json.dumps(scan_record(row, minimum), ensure_ascii=False)
        pending.append(separator + element)
        separator = ",\n  "
        if len(pending) >= 1000:
            out.write("".join(pending))
            pending.clear()
    out.write("".join(pending) + "\n]\n")


def _scan_table(rows: Iterator[ScanRow], minimum: Confidence) -> None:
    total = assisted = 0
    click.echo(f"{'sha':<12}  {'AI':<3}  {'tools':<20}  {'confidence':<10}  signals")
    for row in rows:
        record = scan_record(row, minimum)
        total += 1
        assisted += record["ai_assisted"]
        signals = "; ".join(
            f"{s['signal']}={s['tool'] or '-'} ({s['confidence']})" for s in record["signals"]
        )
        tools = ",".join(record["tools"]) or "-"
        flag = "yes" if record["ai_assisted"] else "no"
        confidence = record["confidence"] or "-"
        click.echo(
            f"{row.sha[:12]:<12}  {flag:<3}  {tools:<20}  {confidence:<10}  {signals or '-'}"
        )
    click.echo(
        f"{assisted} of {total} commits AI-assisted at confidence {minimum.label} or above",
        err=True,
    )


@cli.command()
@click.argument("sha", default="HEAD")
@click.option("--env", default=None, help="Deploy environment. [default: production]")
@click.option(
    "--status", type=click.Choice(["success", "failure"]), default="success", show_default=True
)
@click.option("--time", "when", metavar="ISO", help="When the deploy finished. [default: now]")
@click.option(
    "--id",
    "event_id",
    metavar="ID",
    help="Event id. [default: GITHUB_RUN_ID-GITHUB_RUN_ATTEMPT in Actions, else <sha>-<time>]",
)
@click.option("--push", is_flag=True, help="Push the ledger to the remote (merging on conflict).")
@click.option("--remote", default=None, help="Remote for --push. [default: origin]")
@click.option(
    "--retries",
    type=click.IntRange(1, 50),
    default=PUSH_ATTEMPTS,
    show_default=True,
    help="Push attempts before giving up (each one merges the remote ledger first).",
)
@config_option
@click.pass_obj
def record(
    state: State,
    /,
    *,
    sha: str,
    env: str | None,
    status: str,
    when: str | None,
    event_id: str | None,
    push: bool,
    remote: str | None,
    retries: int,
    config_path: str | None,
) -> None:
    """Record a deploy of SHA (default HEAD) in the git-notes ledger."""
    repo, config = _load(state, config_path)
    now = utc_now()
    moment = parse_when(when, now=now, option="--time") if when else now
    result = record_deploy(
        repo,
        commitish=sha,
        environment=choose(env, config.report.env, DEFAULT_ENVIRONMENT),
        status=status,
        moment=moment,
        event_id=event_id,
        environ=dict(os.environ),
    )
    event = result.event
    verb = "recorded" if result.added else "already recorded, unchanged:"
    click.echo(
        f"{verb} {event.status} deploy {event.id} of {event.sha[:12]} to {event.environment}",
        err=True,
    )
    click.echo(result.line)
    if push:
        target = choose(remote, config.deploys.remote, "origin")
        attempts = push_ledger(repo, target, attempts=retries)
        click.echo(f"pushed the deploy ledger to {target} ({attempts} attempt(s))", err=True)


@cli.command()
@report_options
@click.option(
    "--sink", type=click.Choice(["pushgateway", "otlp", "webhook"]), help="Where to send."
)
@click.option(
    "--to", "url", metavar="URL", help="Pushgateway base URL, OTLP endpoint or webhook URL."
)
@click.option(
    "--header",
    "headers",
    multiple=True,
    metavar="'Name: value'",
    help="Extra HTTP header (repeatable); ${VAR} in the value is read from the environment.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 300),
    help="Seconds to wait for one answer. [default: 30]",
)
@click.option(
    "--max-retry-seconds",
    type=click.FloatRange(0, 3600),
    help="Give up retrying after this long. [default: 60]",
)
@click.pass_obj
def push(
    state: State,
    /,
    *,
    sink: str | None,
    url: str | None,
    headers: tuple[str, ...],
    timeout: float | None,
    max_retry_seconds: float | None,
    **flags: Any,
) -> None:
    """Compute the report and send it to a metrics endpoint."""
    # Imported here: requests and prometheus_client cost ~100 ms that other commands never need.
    from deploycount.push import PushSettings, send_report  # noqa: PLC0415

    report_result, config = build_report_from_flags(state, **flags)
    settings = PushSettings.resolve(
        sink=sink,
        url=url,
        headers=list(headers) or None,
        timeout=timeout,
        max_retry_seconds=max_retry_seconds,
        config=config.push,
        environ=os.environ,
    )
    log = (lambda line: click.echo(f"deploycount: {line}", err=True)) if state.debug else None
    destination = send_report(report_result, settings, log=log, environ=os.environ)
    click.echo(f"pushed the report to {settings.sink} at {destination}", err=True)


@cli.command()
@click.option(
    "--pr",
    "pull",
    type=click.IntRange(min=1),
    help="Pull request number. [default: from GITHUB_EVENT_PATH]",
)
@report_options
@click.pass_obj
def comment(state: State, /, *, pull: int | None, **flags: Any) -> None:
    """Keep one sticky summary comment on a pull request (and the job summary)."""
    from deploycount.comment import post_comment  # noqa: PLC0415 - requests only when needed

    repo, _, settings = _settings_from_flags(state, flags)
    outcome = post_comment(repo, settings, pull=pull, environ=os.environ)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(outcome.body + "\n")
    if outcome.warning:
        click.echo(f"deploycount: warning: {mask(outcome.warning)}", err=True)
    click.echo(f"pull request comment: {outcome.action}", err=True)


@cli.group()
def hook() -> None:
    """Install the prepare-commit-msg hook that tags commits made by AI agents."""


@hook.command("install")
@click.pass_obj
def hook_install(state: State) -> None:
    """Install the hook (honours core.hooksPath; an existing hook is chained, not replaced)."""
    path, chained = hooks.install(state.repository())
    extra = " (the hook that was there runs first)" if chained else ""
    click.echo(f"installed {path}{extra}", err=True)


@hook.command("uninstall")
@click.pass_obj
def hook_uninstall(state: State) -> None:
    """Remove the hook and put back the one it chained."""
    path, restored = hooks.uninstall(state.repository())
    click.echo(
        f"removed the deploycount hook from {path}"
        + (" and restored the previous hook" if restored else ""),
        err=True,
    )


@hook.command("run", hidden=True)
@click.argument("message_file", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("extra", nargs=-1)
@click.pass_obj
def hook_run(state: State, message_file: Path, extra: tuple[str, ...]) -> None:
    """What git calls: MESSAGE_FILE [SOURCE [SHA]]."""
    _, config = _load(state, None)
    source = hooks.hook_source((str(message_file), *extra), os.environ)
    hooks.run_hook(
        message_file, source, os.environ, markers_from_config(config), state.repository()
    )


@cli.command()
@click.argument("revrange", nargs=-1)
@click.option(
    "--message-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Lint a message file instead of commits.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@config_option
@click.pass_obj
def lint(
    state: State,
    /,
    *,
    revrange: tuple[str, ...],
    message_file: Path | None,
    output_format: str,
    config_path: str | None,
) -> None:
    """Find AI markers git will not read, misspelled keys and bad values (default: HEAD)."""
    if message_file is not None and revrange:
        raise UsageError("give either REVRANGE or --message-file, not both")
    if message_file is not None:
        config, _ = load_config(config_path, _repo_root_or_none(state.directory))
        try:
            text = message_file.read_text("utf-8", errors="replace")
        except OSError as error:
            raise UsageError(
                f"cannot read --message-file {message_file}: {error.strerror}"
            ) from None
        subjects = [(str(message_file), "file", text)]
    else:
        repo, config = _load(state, config_path)
        rows = repo.log_range(list(revrange) or ["HEAD"], max_count=None if revrange else 1)
        subjects = [(raw.sha, "commit", raw.message) for raw in rows]
    markers = markers_from_config(config)
    results = [
        (where, kind, finding)
        for where, kind, text in subjects
        for finding in lint_message(text, markers)
    ]
    if output_format == "json":
        click.echo(
            json.dumps(
                [
                    {
                        kind: where,
                        "line": f.line,
                        "severity": f.severity,
                        "code": f.code,
                        "message": f.message,
                        "fix": f.fix,
                    }
                    for where, kind, f in results
                ],
                indent=2,
            )
        )
    else:
        for where, kind, f in results:
            label = where[:12] if kind == "commit" else where
            click.echo(f"{label}:{f.line}: {f.severity}: {f.message} (fix: {f.fix})")
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for where, kind, f in results:
            location = f"file={_annotation(where, True)},line={f.line}," if kind == "file" else ""
            title = "deploycount lint" + ("" if kind == "file" else f" {where[:12]}")
            text = _annotation(f"{f.message} - {f.fix}", False)
            click.echo(f"::warning {location}title={_annotation(title, True)}::{text}")
    errors = sum(1 for _, _, f in results if f.severity == "error")
    warnings = len(results) - errors
    summary = f"{len(subjects)} message(s) checked: {errors} error(s), {warnings} warning(s)"
    click.echo(summary, err=True)
    if errors:
        raise LintFailure(f"lint found {errors} problem(s) in commit messages")


def _repo_root_or_none(directory: str) -> Path | None:
    """The repository around `directory`, when there is one (lint works outside repos too)."""
    try:
        return Repository(directory).root
    except DeploycountError:
        return None


def _annotation(text: str, property_value: bool) -> str:
    """Escape text for a GitHub Actions workflow command."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the report."""
    click.echo(json.dumps(report_json_schema(), indent=2))


def main(argv: Sequence[str] | None = None) -> None:
    cli.main(args=list(argv) if argv is not None else None, prog_name="deploycount")
