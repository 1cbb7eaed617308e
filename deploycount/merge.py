"""Many repositories in one report: partials (one per repository, people as keyed hashes)
merged so that deploys add up, each person counts once, lead times and reverts are over every
commit, and the privacy floor applies to the merged teams (README "Many repositories")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from deploycount.errors import UsageError
from deploycount.metrics import report_of, repository_label
from deploycount.model import Report
from deploycount.tallies import Partial, in_time_order, sources_label


def merge(partials: Sequence[Partial]) -> Report:
    """One report from many repositories: deploys add up, each person counts once, lead times
    and reverts are over every commit, and the privacy floor applies to the merged teams."""
    if not partials:
        raise UsageError("merge needs at least one partial report")
    first = partials[0]
    for partial in partials[1:]:
        if (partial.environment, partial.since, partial.until) != (
            first.environment, first.since, first.until,
        ):  # fmt: skip
            raise UsageError(
                f"{partial.repository} covers {partial.environment} {partial.since} → "
                f"{partial.until} but {first.repository} covers {first.environment} "
                f"{first.since} → {first.until}: make every partial with the same --env, "
                "--since and --until"
            )
        if partial.key_id != first.key_id:
            raise UsageError(
                f"{partial.repository} hashed its people with another DEPLOYCOUNT_PEOPLE_KEY "
                f"than {first.repository}: the same person would count twice; use one key"
            )
    repositories = [p.repository for p in partials]
    if len(set(repositories)) != len(repositories):
        twice = sorted(name for name, n in Counter(repositories).items() if n > 1)
        raise UsageError(f"{', '.join(twice)}: given more than once (it would count twice)")

    # Deploy rows of every repository in time order; each partial's indices follow them.
    rows, tallies, _ = in_time_order(partials)

    teams: dict[str, int | None] = {}
    warnings = []
    for partial in partials:
        for name, size in partial.teams:
            if name in teams and teams[name] != size:
                warnings.append(
                    f"team {name} is declared with size {teams[name]} in one repository and "
                    f"{size} in {partial.repository}: using {teams[name]}"
                )
            teams.setdefault(name, size)
        label = f"{partial.repository}: " if len(partials) > 1 else ""
        warnings += [label + warning for warning in partial.warnings]
    floors = {p.min_team_size for p in partials}
    if len(floors) > 1:
        warnings.append(
            f"the partials use different privacy floors ({', '.join(map(str, sorted(floors)))}): "
            "the strictest applies"
        )
    merged = Partial(
        repository=repository_label(repositories),
        environment=first.environment,
        deploy_source=sources_label(partials),
        since=first.since,
        until=first.until,
        weeks=first.weeks,
        min_team_size=max(floors),
        teams=list(teams.items()),
        tallies=tallies,
        deployments=rows,
        rollbacks=sum(p.rollbacks for p in partials),
        failed_deployments=sum(p.failed_deployments for p in partials),
        warnings=warnings,
        key_id=first.key_id,
        services=list(dict.fromkeys(name for p in partials for name in p.services)),
        # every repository's failures, or none known when one partial does not know its own
        failures=(
            None
            if any(p.failures is None for p in partials)
            else [f for p in partials for f in p.failures or []]
        ),
        min_n=max(p.min_n for p in partials),
    )
    return report_of(merged, repositories)
