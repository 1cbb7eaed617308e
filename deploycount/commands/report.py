"""`deploycount report`: the options of one report, or of one per `--every` period, or of one
over several repositories; the reports themselves come from `deploycount.pipeline`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from deploycount.commands import open_repository
from deploycount.config import (
    FileConfig,
    ReportOptions,
    ReportSettings,
    TeamSources,
    load_config,
    resolve_report_output,
    resolve_report_settings,
)
from deploycount.errors import UsageError
from deploycount.files import symlink_loop
from deploycount.merge import merge
from deploycount.metrics import report_of
from deploycount.model import Report
from deploycount.partial import people_key
from deploycount.pipeline import Progress, generate_partials, generate_report
from deploycount.repository import Repository, repository_name
from deploycount.spend import SpendSpec
from deploycount.spend.attach import add_spend, spend_specs
from deploycount.tallies import Partial
from deploycount.team_sources import all_teams
from deploycount.timeutil import iso_z, parse_span, utc_now
from deploycount.window import MAX_PERIODS, period_count, periods


@dataclass
class Reports:
    """What `report` made: one report, or one per `--every` period (oldest first); and, for
    `--format partial`, the one repository's partial."""

    reports: list[Report]
    config: FileConfig
    min_confidence: str
    every: bool
    left_over: str | None  # the start of the span that is not a whole period, when any
    partial: Partial | None = None


def reports_from_options(
    directory: str,
    options: ReportOptions,
    *,
    every: str | None,
    environ: Mapping[str, str],
    repos: Sequence[str] = (),
    partial: bool = False,
    progress: Progress | None = None,
    log: Callable[[str], None] | None = None,
    output_format: str | None = None,
    output: str | None = None,
) -> Reports:
    """`report`: the window's report, or with `every` one report per period of the window; with
    `repos`, one report over several repositories (each person counted once)."""
    if repos:
        config, _ = load_config(options.config_path, Path(directory))
        roots = expand_repositories(repos)
    else:
        repo, config = open_repository(directory, options.config_path)
        roots = []
    settings = resolve_report_settings(options, config, now=utc_now())
    chosen = every if every is not None else config.report.every
    spans = [(settings.since, settings.until)]
    left_over = None
    if chosen is not None:
        length = parse_span(chosen, option="--every")
        count = period_count(settings.since, settings.until, length)
        if count > MAX_PERIODS:
            raise UsageError(
                f"--every {chosen} cuts the window into {count:,} periods, more than the "
                f"{MAX_PERIODS:,} one report may hold: use a longer period or a shorter window"
            )
        spans, rest = periods(settings.since, settings.until, length)
        if not spans:
            raise UsageError(
                f"--every {chosen} is longer than the window from --since to --until: "
                "widen the window (e.g. --since 26w) or shorten the period"
            )
        if rest:
            left_over = (
                f"left out {iso_z(settings.since)} to {iso_z(spans[0][0])}: shorter than one "
                f"--every {chosen} period (periods end at --until)"
            )
    check_output(output_format, output, config, every=chosen, environ=environ)
    if partial and (roots or chosen is not None):
        raise UsageError(
            "--format partial describes one repository over one window: drop --repo and --every "
            "(merge the partials of several repositories with deploycount merge)"
        )
    specs = spend_specs(options.spend, config)
    if specs and partial:
        raise UsageError(
            "--spend is the organisation's, counted once: give it to deploycount merge, not to "
            "each repository's partial (it would count once per repository)"
        )
    # With spend, the period of the same length just before the first is reported too (and
    # dropped): what spend is compared with.
    length = spans[0][1] - spans[0][0]
    before = [(spans[0][0] - length, spans[0][0])] if specs else []
    if not roots:
        parts = generate_partials(
            repo, settings, [*before, *spans], environ=environ, progress=progress, log=log
        )
        reports = [report_of(part) for part in parts]
        reports = _with_spend(reports, bool(before), specs, config, settings, environ=environ,
                              log=log)  # fmt: skip
        return Reports(
            reports, config, settings.minimum.label, chosen is not None, left_over,
            partial=parts[0] if partial else None,
        )  # fmt: skip
    # Several repositories: each named by its own origin (GITHUB_REPOSITORY names only one).
    local = {k: v for k, v in environ.items() if k != "GITHUB_REPOSITORY"}
    per_repository = []
    for root in roots:
        each = Repository(str(root))
        name = repository_name(each, local)
        per_repository.append(
            generate_partials(each, settings, [*before, *spans], environ=local, log=log, name=name)
        )
    reports = [
        merge([parts[k] for parts in per_repository]) for k in range(len(before) + len(spans))
    ]
    reports = _with_spend(reports, bool(before), specs, config, settings, environ=environ, log=log)
    return Reports(reports, config, settings.minimum.label, chosen is not None, left_over)


def _with_spend(
    reports: list[Report], before: bool, specs: Sequence[SpendSpec], config: FileConfig,
    settings: ReportSettings, *, environ: Mapping[str, str], log: Callable[[str], None] | None,
) -> list[Report]:  # fmt: skip
    """The reports with their spend, the first against the report `before` it (then dropped)."""
    if not specs:
        return reports
    teams = settings.teams
    if settings.team_sources != TeamSources():
        teams = tuple(all_teams(teams, settings.team_sources, settings.config_dir, environ).teams)
    return add_spend(
        reports[1:] if before else reports, before=reports[0] if before else None,
        specs=specs, config=config, teams=teams, markers=settings.markers, environ=environ,
        log=log,
    )  # fmt: skip


def check_output(
    output_format: str | None,
    output: str | None,
    config: FileConfig,
    *,
    every: str | None,
    environ: Mapping[str, str],
) -> None:
    """Refuse, before any work, what could only fail once the report is made: `--every` in a
    format that holds one report, a partial without its people key, an `--output` whose
    directory is not there."""
    chosen_format, destination = resolve_report_output(output_format, output, config)
    if every is not None and chosen_format not in ("json", "openmetrics", "partial"):
        raise UsageError(
            f"--every makes one report per period: use --format json or openmetrics, not "
            f"{chosen_format}"
        )
    if chosen_format == "partial":
        people_key(environ)
    if destination not in (None, "-"):
        folder = Path(destination).parent
        if not folder.is_dir():
            raise UsageError(f"cannot write --output {destination}: {folder} is not a directory")


def _is_repository(path: Path) -> bool:
    """A work tree, or a bare repository (a mirror clone)."""
    return (path / ".git").exists() or ((path / "HEAD").is_file() and (path / "objects").is_dir())


def expand_repositories(paths: Sequence[str]) -> list[Path]:
    """Each `--repo`: a git repository, or a directory whose subdirectories are clones."""
    roots: list[Path] = []
    for given in paths:
        path = Path(given)
        loop = symlink_loop(path)
        if loop is not None:
            raise UsageError(f"--repo {given} is a symlink loop: {loop}")
        if not path.is_dir():
            raise UsageError(f"--repo {given}: no such directory")
        if _is_repository(path):
            roots.append(path)
            continue
        clones = sorted(p for p in path.iterdir() if p.is_dir() and _is_repository(p))
        if not clones:
            raise UsageError(
                f"--repo {given} is neither a git repository nor a directory of clones"
            )
        roots.extend(clones)
    return list(dict.fromkeys(p.resolve() for p in roots))


def one_report(
    repo: Repository,
    settings: ReportSettings,
    config: FileConfig,
    options: ReportOptions,
    *,
    environ: Mapping[str, str],
    progress: Progress | None = None,
    shipped: list[str] | None = None,
    log: Callable[[str], None] | None = None,
) -> Report:
    """The window's report (as `push` and `comment` make it), with its spend when `--spend`
    or `[spend] sources` name any: the window before is reported too, to compare with."""
    specs = spend_specs(options.spend, config)
    if not specs:
        return generate_report(
            repo, settings, environ=environ, progress=progress, shipped=shipped, log=log
        )
    length = settings.until - settings.since
    spans = [(settings.since - length, settings.since), (settings.since, settings.until)]
    parts = generate_partials(
        repo, settings, spans, environ=environ, progress=progress, shipped=shipped, log=log
    )
    reports = [report_of(part) for part in parts]
    [report] = _with_spend(reports, True, specs, config, settings, environ=environ, log=log)
    return report
