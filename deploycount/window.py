"""Pure: what a report's window holds beyond its events, and the warnings that keep a number
from being silently wrong (README "Linking commits to deploys", "Choices made").

* the baseline: the first successful deploy a source knows of ships nothing countable;
* pre-release tags the source left out, when some fall inside the window;
* a window without deploys says when the last one was;
* a window that ends in the future counts rates over its elapsed part only.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from deploycount.deploys.base import DeployEvent

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class WindowFacts:
    baseline: DeployEvent | None  # the baseline, when it falls inside the window
    elapsed_until: datetime  # the end of the elapsed part of the window (rates use it)
    warnings: tuple[str, ...]


def first_success(events: Sequence[DeployEvent], environment: str) -> DeployEvent | None:
    """The first successful event of `environment` among `events` (sorted by time)."""
    return next((e for e in events if e.status == "success" and e.environment == environment), None)


def window_facts(
    *,
    first_known: DeployEvent | None,
    events: Sequence[DeployEvent],
    window: Sequence[DeployEvent],
    left_out: Sequence[DeployEvent],
    include_hint: str,
    environment: str,
    source: str,
    since: datetime,
    until: datetime,
    now: datetime,
) -> WindowFacts:
    """`events` are the environment's events whose commits are here, sorted by time; `window`
    those inside it. `first_known` is the first successful event the source knows of, even when
    its commit is not here (a shallow clone): the baseline only when it is in the window."""
    warnings: list[str] = []
    baseline = None
    if first_known is not None:
        baseline = next(
            (e for e in window if (e.id, e.time) == (first_known.id, first_known.time)), None
        )
    if baseline is not None:
        warnings.append(
            f"deploy {baseline.id} ({baseline.time:%Y-%m-%d}) is the first {environment} deploy "
            f"{source} knows of: it is the baseline, and what it reaches was in production "
            "before deploycount could see it, so it ships nothing countable. To count from "
            "earlier, backfill earlier deploys (deploycount record SHA --time ISO --id ID for "
            "each, or deploycount record --from-tags GLOB; docs: Commands, record)"
        )
    skipped = [e for e in left_out if since <= e.time < until]
    if skipped:
        names = ", ".join(e.id for e in skipped[:3]) + (", …" if len(skipped) > 3 else "")
        warnings.append(
            f"left out {len(skipped)} pre-release tag(s) in the window ({names}): pre-releases "
            f"are not deploys; include them with {include_hint}"
        )
    if not window:
        earlier = [e for e in events if e.time < since and e.status == "success"]
        if earlier:
            last = earlier[-1]
            reference = min(until, now)
            days = max(0, (reference - last.time) // _DAY)
            warnings.append(
                f"no deploy of {environment} in the window; the last one was {last.id} on "
                f"{last.time:%Y-%m-%d} ({days} days before {_describe(reference, now)}): "
                f"deploycount report --since {last.time - _DAY:%Y-%m-%d} shows it"
            )
        elif not events and first_known is not None:
            warnings.append(
                f"none of the {environment} deploys from {source} is a commit in this "
                "repository (see the skipped deploys above): fetch the history they deployed"
            )
        elif not events:
            warnings.append(
                f"no deploy of {environment} from {source} at all: tag releases, record deploys "
                "with `deploycount record`, or name a source with --deploys (docs: Deploy sources)"
            )
    elapsed_until = until
    if until > now:
        elapsed_until = max(since, now)
        if since >= now:
            warnings.append(
                f"the window starts in the future ({since:%Y-%m-%d %H:%M} UTC): nothing to count"
            )
        else:
            warnings.append(
                f"the window ends in the future ({until:%Y-%m-%d %H:%M} UTC): rates per week "
                f"count its elapsed part only ({(now - since) / (7 * _DAY):.2f} weeks)"
            )
    return WindowFacts(baseline, elapsed_until, tuple(warnings))


_LAST_DEPLOY = re.compile(
    r"^no deploy of .+ in the window; the last one was .+ on (\d{4}-\d{2}-\d{2}) \("
)


def last_deploy_day(warnings: Sequence[str]) -> datetime | None:
    """The day of the last deploy before a window that held none, as `window_facts` says it
    (the one place that writes that warning reads it back), else None."""
    for warning in warnings:
        found = _LAST_DEPLOY.match(warning)
        if found is not None:
            return datetime.fromisoformat(found[1]).replace(tzinfo=UTC)
    return None


def _describe(reference: datetime, now: datetime) -> str:
    return "now" if reference == now else "the window's end"


MAX_PERIODS = 1000  # 19 years of weeks, or 41 days of hours: every report costs its own tallies


def period_count(since: datetime, until: datetime, every: timedelta) -> int:
    """How many whole periods of `every` fit in `[since, until)` (worked out, not listed)."""
    return (until - since) // every


def periods(
    since: datetime, until: datetime, every: timedelta
) -> tuple[list[tuple[datetime, datetime]], timedelta]:
    """`[since, until)` cut into whole periods of `every` that end at `until`, oldest first, and
    what is left over at the start (shorter than one period, left out). At most `MAX_PERIODS`:
    the caller checks `period_count` first."""
    count = period_count(since, until, every)
    if count > MAX_PERIODS:
        raise ValueError(f"{count} periods, more than {MAX_PERIODS}")
    cuts = [until - every * k for k in range(count, -1, -1)]
    return list(itertools.pairwise(cuts)), (cuts[0] - since) if cuts else (until - since)
