"""The command line: parse flags, call a command, write what it returns, map errors to exit codes.

Only this module writes to the terminal. Data goes to stdout, chatter and errors to stderr.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from deploycount.checks import digits
from deploycount.errors import DeploycountError, LintFailure, UsageError
from deploycount.masking import mask
from deploycount.options import DEFAULT_PUSH_ATTEMPTS, DEFAULT_PUSH_SECONDS, ReportOptions
from deploycount.terminal import inert, interrupted

F = TypeVar("F", bound=Callable[..., Any])
CONFIDENCE = click.Choice(["low", "medium", "high"], case_sensitive=False)
FORMATS = ["table", "json", "markdown"]
REPORT_FORMATS = [*FORMATS, "openmetrics", "partial"]


class State:
    """What the group's options leave for the commands."""

    def __init__(self, directory: str, debug: bool) -> None:
        self.directory = directory
        self.debug = debug


def fail(message: str, code: int) -> NoReturn:
    click.echo(mask(f"deploycount: error: {inert(message)}"), err=True)
    sys.exit(code)


def _print_traceback() -> None:
    click.echo(mask(traceback.format_exc()), err=True, nl=False)


class DeploycountGroup(click.Group):
    """Maps every failure to one line on stderr and the exit code of its error class."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        # Ctrl-C while the flags are parsed: the one line, without the empty line click's own
        # handler writes before it.
        try:
            return super().make_context(*args, **kwargs)
        except KeyboardInterrupt:
            interrupted()

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
            interrupted()
        except BrokenPipeError:
            # The reader went away (`deploycount scan | head`): what it wanted it has; say
            # nothing more and leave as `report` does when its output fits the pipe.
            _silence_stdout()
            sys.exit(0)
        except Exception as error:  # the last line of defence: one line, no traceback
            if _caused_by_ctrl_c(error):
                interrupted()
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
        except click.Abort as error:
            if isinstance(error.__cause__, KeyboardInterrupt):
                interrupted()
            fail("aborted", 1)
        if standalone:
            sys.exit(result if isinstance(result, int) else 0)
        return result


def _caused_by_ctrl_c(error: BaseException) -> bool:
    """Whether a KeyboardInterrupt is behind `error`: Python wraps one that lands while a class
    is made (`Error calling __set_name__`, during a lazy import) in a RuntimeError."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _silence_stdout() -> None:
    """Point stdout at the null device, so the flush at exit does not fail a second time."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, sys.stdout.fileno())
    os.close(null)


def _debugging(ctx: click.Context) -> bool:
    root = ctx.find_root()
    return isinstance(root.obj, State) and root.obj.debug


def _set_global(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """`-C DIR` and `--debug` written after the command mean what they mean before it."""
    if value is None or value is False:
        return
    state = ctx.find_object(State)
    if state is not None and param.name is not None:
        setattr(state, param.name, value)


def global_options(command: F) -> F:
    """`-C` and `--debug` on a command too: `deploycount report -C DIR --debug`."""
    command = click.option(
        "-C", "directory", metavar="DIR", expose_value=False, callback=_set_global,
        help="Run as if started in DIR (like git -C).",
    )(command)  # fmt: skip
    return click.option(
        "--debug", is_flag=True, default=None, expose_value=False, callback=_set_global,
        help="Print tracebacks for errors.",
    )(command)  # fmt: skip


class GlobalOptionsGroup(DeploycountGroup):
    """Every command it makes takes the global options as well."""

    def command(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], click.Command]:
        make: Callable[[Callable[..., Any]], click.Command] = super().command(*args, **kwargs)
        return lambda function: make(global_options(function))


@click.group(cls=GlobalOptionsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-C", "directory", default=".", metavar="DIR", help="Run as if started in DIR (like git -C)."
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
spend_option = click.option(
    "--spend",
    metavar="SPEC",
    multiple=True,
    help="AI spend beside the deploys, per team: KIND:FILE (claude-code, anthropic-cost, "
    "openai-costs, copilot, or file: the generic JSONL/CSV) or KIND alone for the provider's "
    "API; repeatable. [default: [spend] sources, else none]",
)
min_confidence_option = click.option(
    "--min-confidence", type=CONFIDENCE, help="Weakest signal that counts. [default: medium]"
)


def report_options(command: F) -> F:
    """The options every report-producing command takes (report, push, comment); the command
    receives them as one `ReportOptions` named `options`."""
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
            metavar="SPEC",
            help="tags:GLOB[,!GLOB], notes, github or file:PATH. [default: notes when the "
            "ledger holds deploys, else tags:v*]",
        ),
        config_option,
        min_confidence_option,
        click.option(
            "--incidents",
            metavar="SPEC",
            help="Incidents for recovery time and rework: a JSON or JSONL file (id, started, "
            "resolved, service, deploy or sha), or github[:LABEL] for issues labelled incident. "
            "[default: [outcomes] incidents, else none]",
        ),
        spend_option,
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def _options(flags: dict[str, Any]) -> ReportOptions:
    """Pop the `report_options` flags out of a command's keyword arguments."""
    names = ("since", "until", "env", "deploys", "min_confidence", "config_path", "incidents",
             "spend")  # fmt: skip
    return ReportOptions(**{name: flags.pop(name) for name in names})


def _columns() -> int:
    """The terminal's width: COLUMNS when set (as shells and CI set it), else 80."""
    width = digits(os.environ.get("COLUMNS", ""))
    return max(40, min(width, 1000)) if width is not None else 80


def _progress() -> Any:
    from deploycount.progress import progress_for  # noqa: PLC0415

    return progress_for(sys.stderr)


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
    "--format", "output_format", type=click.Choice(REPORT_FORMATS), help="[default: table]"
)
@click.option("--output", metavar="FILE", help="Write the report to FILE instead of stdout.")
@click.option(
    "--every", metavar="PERIOD", help="One report per period of the window (1w, 7d, 24h)."
)
@click.option(
    "--repo", "repos", multiple=True, metavar="PATH",
    help="A repository (or a directory of clones) to include; repeatable.",
)  # fmt: skip
@click.option(
    "--suggest", is_flag=True,
    help="Print a [services] section from the release tags and package manifests; no report.",
)  # fmt: skip
@click.pass_obj
def report(
    state: State, /, *, output_format: str | None, output: str | None, every: str | None,
    repos: tuple[str, ...], suggest: bool, **flags: Any,
) -> None:  # fmt: skip
    """Normalised deployments for the window, per team and in total."""
    if suggest:
        ignored = {"--repo": bool(repos), "--every": every, "--format": output_format} | {
            f"--{name.replace('_', '-')}": flags.get(name)
            for name in ("since", "until", "env", "deploys", "min_confidence", "incidents", "spend")
        }
        given = [flag for flag, on in ignored.items() if on]
        if given:
            raise UsageError(
                f"--suggest prints a [services] section and makes no report: {given[0]} does "
                "not apply to it"
            )
        from deploycount.commands.suggest import suggest as suggest_section  # noqa: PLC0415
        from deploycount.timeutil import utc_now  # noqa: PLC0415

        _write(suggest_section(state.directory, now=utc_now()), output)
        return
    from deploycount.commands.report import reports_from_options  # noqa: PLC0415
    from deploycount.config import resolve_report_output  # noqa: PLC0415
    from deploycount.render import render_report, render_reports  # noqa: PLC0415

    progress = _progress()
    try:
        log = (lambda line: click.echo(f"deploycount: {line}", err=True)) if state.debug else None
        made = reports_from_options(
            state.directory, _options(flags), every=every, environ=os.environ, repos=repos,
            partial=output_format == "partial", progress=progress, log=log,
            output_format=output_format, output=output,
        )  # fmt: skip
    finally:
        if progress is not None:
            progress.close()
    chosen_format, destination = resolve_report_output(output_format, output, made.config)
    if made.left_over:
        click.echo(f"deploycount: {made.left_over}", err=True)
    if made.partial is not None:
        from deploycount.partial import people_key, to_json  # noqa: PLC0415

        _write(to_json(made.partial, people_key(os.environ)), destination)
        return
    if made.every or chosen_format == "openmetrics":
        text = render_reports(made.reports, chosen_format, min_confidence=made.min_confidence)
    else:
        text = render_report(made.reports[0], chosen_format)
    _write(text, destination)


@cli.command()
@click.argument("partials", nargs=-1, required=True, metavar="PARTIAL...")
@click.option(
    "--format", "output_format", type=click.Choice([*FORMATS, "openmetrics"]), default="table"
)
@click.option("--output", metavar="FILE", help="Write the report to FILE instead of stdout.")
@click.option(
    "--min-confidence",
    type=click.Choice(["low", "medium", "high"]),
    default="medium",
    help="Only labels the openmetrics info metric (partials are already attributed).",
)
@spend_option
@config_option
@click.pass_obj
def merge(
    state: State, /, partials: tuple[str, ...], *, output_format: str, output: str | None,
    min_confidence: str, spend: tuple[str, ...], config_path: str | None,
) -> None:  # fmt: skip
    """One report from the partial reports of many repositories (report --format partial)."""
    from deploycount.merge import merge as merge_partials  # noqa: PLC0415
    from deploycount.partial import read_partials  # noqa: PLC0415
    from deploycount.render import render_report, render_reports  # noqa: PLC0415

    specs, config = [], None
    if spend or config_path is not None:
        from deploycount.config import load_config  # noqa: PLC0415
        from deploycount.spend.attach import spend_specs  # noqa: PLC0415

        config, _ = load_config(config_path, Path.cwd())
        specs = spend_specs(spend, config)
    merged = merge_partials(read_partials(partials))
    if specs and config is not None:
        from deploycount.config import markers_from_config  # noqa: PLC0415
        from deploycount.spend.attach import add_spend, config_teams  # noqa: PLC0415

        log = (lambda line: click.echo(f"deploycount: {line}", err=True)) if state.debug else None
        [merged] = add_spend([merged], before=None, specs=specs, config=config,
                             teams=config_teams(config), markers=markers_from_config(config),
                             environ=os.environ, log=log)  # fmt: skip
    if output_format == "openmetrics":
        text = render_reports([merged], output_format, min_confidence=min_confidence)
    else:
        text = render_report(merged, output_format)
    _write(text, output)


@cli.command()
@click.argument("revrange", nargs=-1)
@click.option("-n", "--max-count", type=click.IntRange(min=1), help="Only the newest N commits.")
@min_confidence_option
@click.option("--format", "output_format", type=click.Choice(FORMATS[:2]), default="table")
@config_option
@click.pass_obj
def scan(
    state: State, /, *, revrange: tuple[str, ...], max_count: int | None, **flags: Any
) -> None:
    """Show the AI-assistance signals of each commit in REVRANGE (default HEAD)."""
    from deploycount.git import running  # noqa: PLC0415
    from deploycount.repository import Repository  # noqa: PLC0415

    # git starts before the config and its imports are loaded, and prints meanwhile.
    repo = Repository(state.directory)
    fields, chunks = repo.log_range_chunks(list(revrange) or ["HEAD"], max_count=max_count)
    chunks = running(chunks)

    from deploycount.commands.scan import scan_commits  # noqa: PLC0415
    from deploycount.config import (  # noqa: PLC0415
        load_config,
        markers_from_config,
        minimum_confidence,
    )
    from deploycount.render import scan as render  # noqa: PLC0415

    config, _ = load_config(flags["config_path"], repo.root)
    minimum = minimum_confidence(flags["min_confidence"], config)
    rows = scan_commits(fields, chunks, markers_from_config(config))
    if flags["output_format"] == "json":
        for chunk in render.scan_json_chunks(rows, minimum):
            sys.stdout.write(chunk)
        return
    table = render.ScanTable(minimum, _columns())
    for line in table.lines(rows, repo.subjects):
        click.echo(line)
    click.echo(table.summary(), err=True)


@cli.command()
@click.argument("sha", default="HEAD")
@click.option("--env", default=None, help="Deploy environment. [default: production]")
@click.option(
    "--status", type=click.Choice(["success", "failure"]), default="success", help="[success]"
)
@click.option("--time", "when", metavar="ISO", help="When the deploy finished. [default: now]")
@click.option(
    "--id", "event_id", metavar="ID", help="Event id (docs: Commands). [default: derived]"
)
@click.option(
    "--service", metavar="NAME", default="", help="The service of [services] deployed (monorepos)."
)
@click.option("--push", is_flag=True, help="Push the ledger to the remote (merging on conflict).")
@click.option("--force", is_flag=True, help="Record a --time before the commit or in the future.")
@click.option("--push-only", is_flag=True, help="Record nothing; push what is recorded.")
@click.option(
    "--from-tags", metavar="GLOB",
    help="Record every release tag matching GLOB as a deploy (the backfill from tags).",
)  # fmt: skip
@click.option(
    "--push-timeout",
    type=click.FloatRange(1, 3600),
    default=DEFAULT_PUSH_SECONDS,
    show_default=True,
)
@click.option("--remote", default=None, help="Remote for --push. [default: origin]")
@click.option(
    "--retries", type=click.IntRange(1, 50), default=DEFAULT_PUSH_ATTEMPTS, show_default=True
)
@config_option
@click.pass_obj
def record(state: State, /, *, sha: str, config_path: str | None, **flags: Any) -> None:
    """Record a deploy of SHA (default HEAD) in the git-notes ledger."""
    from deploycount.commands.record import record as run_record  # noqa: PLC0415

    outcome = run_record(
        state.directory, sha=sha, config_path=config_path, environ=os.environ, **flags
    )
    if outcome.result is not None:
        click.echo(outcome.result.line)
    for line in outcome.messages():
        click.echo(line, err=True)


@cli.command()
@report_options
@click.option("--sink", type=click.Choice(["pushgateway", "otlp", "webhook"]), help="Where to.")
@click.option("--to", "url", metavar="URL", help="Pushgateway, OTLP endpoint or webhook URL.")
@click.option("--header", "headers", multiple=True, metavar="'Name: value'", help="Repeatable.")
@click.option("--timeout", type=click.FloatRange(0.1, 300), help="Seconds per answer. [30]")
@click.option("--max-retry-seconds", type=click.FloatRange(0, 3600), help="Retry budget. [60]")
@click.option(
    "--otlp-protocol",
    type=click.Choice(["http/protobuf", "http/json"]),
    help="OTLP encoding. [default: $OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf]",
)
@click.option("--delete", is_flag=True, help="Delete this repository's Pushgateway group.")
@click.option(
    "--report", "report_file", metavar="FILE", help="Send this JSON report (e.g. from merge)."
)
@click.pass_obj
def push(
    state: State, /, *, headers: tuple[str, ...], delete: bool, report_file: str | None,
    **flags: Any,
) -> None:  # fmt: skip
    """Compute the report and send it to a metrics endpoint."""
    # Imported here: requests and prometheus_client cost ~100 ms that other commands never need.
    from deploycount.commands.push import push as run_push  # noqa: PLC0415

    log = (lambda line: click.echo(f"deploycount: {line}", err=True)) if state.debug else None
    options = _options(flags)
    outcome = run_push(
        state.directory,
        options,
        headers=list(headers) or None,
        environ=os.environ,
        delete=delete,
        report_file=report_file,
        log=log,
        **flags,
    )
    for warning in outcome.warnings:
        click.echo(f"deploycount: warning: {mask(inert(warning))}", err=True)
    if delete:
        click.echo(f"deleted the group at {outcome.destination}", err=True)
    else:
        sink = outcome.settings.sink
        click.echo(f"pushed the report to {sink} at {outcome.destination}", err=True)


@cli.command()
@click.option(
    "--pr", "pull", type=click.IntRange(min=1),
    help="The pull request's number. [default: from the event]",
)  # fmt: skip
@click.option(
    "--dry-run", is_flag=True, help="Print the comment instead of posting it (no token needed)."
)
@report_options
@click.pass_obj
def comment(state: State, /, *, pull: int | None, dry_run: bool, **flags: Any) -> None:
    """Keep one sticky summary comment on a pull request (and the job summary)."""
    from deploycount.commands.comment import post_comment  # noqa: PLC0415

    outcome = post_comment(
        state.directory, _options(flags), pull=pull, environ=os.environ, dry_run=dry_run
    )
    if dry_run:
        click.echo(outcome.body, nl=False)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary and not dry_run:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(outcome.body + "\n")
    if outcome.warning:
        click.echo(f"deploycount: warning: {mask(inert(outcome.warning))}", err=True)
    click.echo(f"pull request comment: {outcome.action}", err=True)


@cli.group()
def hook() -> None:
    """Install the prepare-commit-msg hook that tags commits made by AI agents."""


@hook.command("install")
@global_options
@click.pass_obj
def hook_install(state: State) -> None:
    """Install the hook (honours core.hooksPath; an existing hook is chained, not replaced)."""
    from deploycount.commands.hook import install_in  # noqa: PLC0415

    click.echo(install_in(state.directory), err=True)


@hook.command("uninstall")
@global_options
@click.pass_obj
def hook_uninstall(state: State) -> None:
    """Remove the hook and put back the one it chained."""
    from deploycount.commands.hook import uninstall_from  # noqa: PLC0415

    click.echo(uninstall_from(state.directory), err=True)


@hook.command("run", hidden=True, context_settings={"ignore_unknown_options": True})
@click.argument("arguments", nargs=-1, type=click.UNPROCESSED)
def hook_run(arguments: tuple[str, ...]) -> None:
    """What git calls: [--stage STAGE] MESSAGE_FILE [SOURCE [SHA]]. Never fails a commit."""
    from deploycount.hookrun import main as run_hook  # noqa: PLC0415

    run_hook(list(arguments))


@cli.command()
@click.argument("revrange", nargs=-1)
@click.option("--message-file", type=click.Path(dir_okay=False, path_type=Path), help="Lint it.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@config_option
@click.pass_obj
def lint(state: State, /, *, revrange: tuple[str, ...], **flags: Any) -> None:
    """Find AI markers git will not read, misspelled keys and bad values (default: HEAD)."""
    from deploycount.commands.lint import lint_messages  # noqa: PLC0415
    from deploycount.render import lint as render  # noqa: PLC0415

    result = lint_messages(state.directory, revrange, flags["message_file"], flags["config_path"])
    annotate = os.environ.get("GITHUB_ACTIONS") == "true"
    click.echo(render.lint_output(result, flags["output_format"], annotate=annotate), nl=False)
    click.echo(render.lint_summary(result), err=True)
    if result.errors:
        raise LintFailure(f"lint found {result.errors} problem(s) in commit messages")


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the report."""
    from deploycount.model import report_json_schema  # noqa: PLC0415

    click.echo(json.dumps(report_json_schema(), indent=2))


def main(argv: Sequence[str] | None = None) -> None:
    """The `deploycount` program."""
    from deploycount.terminal import degrade_unencodable_output  # noqa: PLC0415

    degrade_unencodable_output()
    cli.main(args=list(argv) if argv is not None else sys.argv[1:], prog_name="deploycount")
