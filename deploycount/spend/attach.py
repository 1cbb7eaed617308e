"""The edge between the spend sources and the reports: which sources (`--spend`, else `[spend]
sources`), whose team each record goes to, and the reports with their spend. Spend is added
to a report once, for the organisation's teams: never per repository, so a merge of many
repositories' partials counts it once (docs/cost.md "Across repositories")."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from deploycount.attribution import Markers
from deploycount.config import FileConfig
from deploycount.errors import UsageError
from deploycount.model import Report
from deploycount.spend import SpendSpec, load_spend, parse_spec
from deploycount.spend.figures import days_of, with_spend
from deploycount.spend.formats import MICRO
from deploycount.teams import UNASSIGNED, Team, TeamDirectory


def spend_specs(flags: Sequence[str], config: FileConfig) -> list[SpendSpec]:
    """`--spend` as given, else the config's `[spend] sources`; each checked before any work
    (a file that is not there is said before git reads the history)."""
    specs = [parse_spec(text) for text in (flags or config.spend.sources)]
    for spec in specs:
        if spec.path is not None and not Path(spec.path).exists():
            raise UsageError(f"{spec.label}: no such file")
    return specs


def config_teams(config: FileConfig) -> list[Team]:
    """The config's teams as the report reads them (members lower-cased)."""
    return [
        Team(name, tuple(m.lower() for m in section.members), section.size)
        for name, section in config.teams.items()
    ]


def team_finder(
    teams: Sequence[Team], markers: Markers, team_of: Mapping[str, str]
) -> Callable[[str, str], str]:
    """The team a record's spend goes to: a person by the teams' members (an email, or a
    GitHub login for `@login` members), a workspace, project or key by `[spend] team_of`; else
    unassigned."""
    known = {team.name for team in teams}
    for key, team in team_of.items():
        if team not in known:
            raise UsageError(
                f"[spend] team_of: {key!r} goes to team {team!r}, which [teams] does not declare"
            )
    directory = TeamDirectory(teams, markers)
    logins: dict[str, str] = {}

    def team_of_record(person: str, key: str) -> str:
        if person.startswith("@"):
            login = person[1:]
            if login not in logins:
                logins[login] = next(
                    (t.name for t in teams if f"@{login}" in t.members), UNASSIGNED
                )
            return logins[login]
        if person:
            return directory.team_of_email(person)
        return team_of.get(key, UNASSIGNED)

    return team_of_record


def add_spend(
    reports: Sequence[Report],
    *,
    before: Report | None,
    specs: Sequence[SpendSpec],
    config: FileConfig,
    teams: Sequence[Team],
    markers: Markers,
    environ: Mapping[str, str],
    log: Callable[[str], None] | None = None,
) -> list[Report]:
    """`reports` (consecutive periods, oldest first) with their spend, each against the one
    before it (`before` for the first: the period of the same length just before, or None)."""
    first, _ = days_of((before or reports[0]).since, (before or reports[0]).until)
    _, last = days_of(reports[-1].since, reports[-1].until)
    table = load_spend(
        specs,
        since=first,
        until=max(last, first),
        team_of=team_finder(teams, markers, config.spend.team_of or {}),
        credit=round(config.spend.copilot_credit * MICRO),
        environ=environ,
        log=log,
    )
    previous = [before, *reports[:-1]]
    floor = config.privacy.min_team_size
    return [
        with_spend(report, table, earlier, min_team_size=floor)
        for report, earlier in zip(reports, previous, strict=True)
    ]
