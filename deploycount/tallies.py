"""What a report's figures are computed from: running sums per team, and one repository's
partial report (the sums before the figures, which `merge` adds up across repositories)."""

from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from deploycount.model import DeploymentRow, FailureRow
from deploycount.options import DEFAULT_MIN_N


@dataclass
class Tally:
    """Running sums for one team (or the totals): deploys are indices into the deployment rows,
    people are keys (a lower-cased email, or in a partial file its keyed hash)."""

    deployments: set[int] = field(default_factory=set)
    ai_deployments: set[int] = field(default_factory=set)
    commits: int = 0
    ai_commits: int = 0
    people: set[str] = field(default_factory=set)
    # (person, week of the window): the weeks each person had counted commits shipped, what the
    # active size is worked out from (README "Teams": person-weeks over the window's weeks)
    person_weeks: set[tuple[str, int]] = field(default_factory=set)
    ai_lead: array[float] = field(default_factory=lambda: array("d"))  # seconds
    human_lead: array[float] = field(default_factory=lambda: array("d"))
    reverted_ai: int = 0
    reverted_human: int = 0
    tools: Counter[str] = field(default_factory=Counter)


@dataclass
class Tallies:
    """Everything a report's figures are computed from: sums for the totals and per team,
    counted commits per deploy. People are keys (a lower-cased email, or in a partial report
    its keyed hash); deploys are indices into the deployment rows."""

    totals: Tally = field(default_factory=Tally)
    by_team: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_service: dict[str, Tally] = field(default_factory=dict)
    outside_services: int = 0  # commits reached that touch no service's paths
    per_deploy: Counter[int] = field(default_factory=Counter)
    per_deploy_ai: Counter[int] = field(default_factory=Counter)
    # (sha, deploy index) of counted commits deployed before they were committed
    negative_lead: list[tuple[str, int]] = field(default_factory=list)


def absorb(into: Tally, tally: Tally, remap: Sequence[int]) -> None:
    """Add `tally` to `into`; `remap` turns `tally`'s deploy indices into `into`'s."""
    into.deployments.update(remap[i] for i in tally.deployments)
    into.ai_deployments.update(remap[i] for i in tally.ai_deployments)
    into.commits += tally.commits
    into.ai_commits += tally.ai_commits
    into.people |= tally.people
    into.person_weeks |= tally.person_weeks
    into.ai_lead += tally.ai_lead
    into.human_lead += tally.human_lead
    into.reverted_ai += tally.reverted_ai
    into.reverted_human += tally.reverted_human
    into.tools.update(tally.tools)


@dataclass
class Partial:
    """One repository's report before the figures: tallies, deploy rows, what it was made with.
    `merge` (partial.py) turns any number of them into one report; people are emails here and
    keyed hashes once written to a partial file."""

    repository: str
    environment: str
    deploy_source: str
    since: str
    until: str
    weeks: float
    min_team_size: int
    teams: list[tuple[str, int | None]]
    tallies: Tallies
    deployments: list[DeploymentRow]
    rollbacks: int
    failed_deployments: int
    warnings: list[str]
    key_id: str = ""  # which secret hashed the people ("" while people are still emails)
    services: list[str] = field(default_factory=list)  # `[services]` names, in config order
    failures: list[FailureRow] | None = None  # None: not known (a partial made before them)
    min_n: int = DEFAULT_MIN_N  # `[outcomes] min_n`


def in_time_order(
    partials: Sequence[Partial],
) -> tuple[list[DeploymentRow], Tallies, list[list[int]]]:
    """The deploy rows of every partial in time order, the tallies added up with each
    partial's deploy indices turned into indices of those rows, and those index maps."""
    order = sorted(
        ((row.time, number, index) for number, p in enumerate(partials)
         for index, row in enumerate(p.deployments)),
    )  # fmt: skip
    remaps = [[0] * len(p.deployments) for p in partials]
    rows = []
    for new, (_, number, index) in enumerate(order):
        remaps[number][index] = new
        rows.append(partials[number].deployments[index])
    tallies = Tallies()
    for number, partial in enumerate(partials):
        absorb(tallies.totals, partial.tallies.totals, remaps[number])
        for team, tally in partial.tallies.by_team.items():
            absorb(tallies.by_team[team], tally, remaps[number])
        for service, tally in partial.tallies.by_service.items():
            absorb(tallies.by_service.setdefault(service, Tally()), tally, remaps[number])
        tallies.outside_services += partial.tallies.outside_services
    return rows, tallies, remaps


def sources_label(partials: Sequence[Partial]) -> str:
    """The partials' deploy sources in a line (a metric label and the header hold it): the
    first three, and how many more."""
    sources = list(dict.fromkeys(p.deploy_source for p in partials))
    more = f" and {len(sources) - 3} more" if len(sources) > 3 else ""
    return ", ".join(sources[:3]) + more
