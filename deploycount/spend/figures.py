"""Pure: a report's spend figures from the spend table (docs/cost.md): per team and in total,
per deploy, per AI-assisted deploy and per shipped AI-assisted commit, and the change against
the period before. Spend is a cost shown beside what shipped; it never raises a score."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from deploycount.model import Metrics, Report, Spend, SpendFigures, TokenCounts
from deploycount.spend import SpendTable
from deploycount.spend.formats import MICRO
from deploycount.teams import UNASSIGNED
from deploycount.timeutil import from_iso_z

# A rise this large in spend, with deploys growing less than half as fast, is said in a line.
RISE = 0.2


def days_of(since: str, until: str) -> tuple[date, date]:
    """The days whose spend belongs to the window: those whose start (00:00 UTC) is in it."""
    return _first_day(from_iso_z(since)), _first_day(from_iso_z(until))


def _first_day(moment: datetime) -> date:
    day = moment.date()
    return day if moment.time() == datetime.min.time() else day + timedelta(days=1)


def _per(spend: float, count: int | None) -> float | None:
    return round(spend / count, 4) if count else None


def _change(now: float, before: float | None) -> float | None:
    return round((now - before) / before, 4) if before else None


def _figures(
    sums: list[int], metrics: Metrics, *, before: tuple[float, int] | None
) -> SpendFigures:
    spend = sums[0] / MICRO
    return SpendFigures(
        spend=round(spend, 6),
        tokens=TokenCounts(input=sums[1], output=sums[2], cache_read=sums[3], cache_write=sums[4]),
        per_deploy=_per(spend, metrics.deployments),
        per_ai_deploy=_per(spend, metrics.ai_deployments),
        per_ai_commit=_per(spend, metrics.ai_commits),
        change=_change(spend, before[0]) if before else None,
        deploys_change=_change(float(metrics.deployments or 0), before[1]) if before else None,
    )


def with_spend(
    report: Report, table: SpendTable, previous: Report | None = None, *, min_team_size: int = 1
) -> Report:
    """`report` with its spend (`table` must cover its days, and `previous`'s); a line among
    the warnings when spend rose by a fifth or more while deploys grew less than half as fast.
    Teams under the privacy floor show none, and so does a team (or unassigned) whose spend is
    fewer people's than the floor: it would be those people's. Their spend stays in the
    totals."""
    since, until = days_of(report.since, report.until)
    before_days = days_of(previous.since, previous.until) if previous is not None else None

    def before(teams: list[str] | None, deployments: int | None) -> tuple[float, int] | None:
        if before_days is None:
            return None
        return table.total(teams, *before_days)[0] / MICRO, deployments or 0

    def few(team: str) -> bool:
        return 0 < len(table.spenders.get(team, ())) < min_team_size

    shown = [row for row in report.teams if not row.suppressed and not few(row.team)]
    hidden = [row.team for row in report.teams if not row.suppressed and few(row.team)]
    earlier = {row.team: row for row in (previous.teams if previous is not None else [])}
    by_team = {
        row.team: _figures(
            table.total([row.team], since, until), row,
            before=before([row.team], getattr(earlier.get(row.team), "deployments", None)),
        )
        for row in shown
    }  # fmt: skip
    unassigned = table.total([UNASSIGNED], since, until)
    if UNASSIGNED not in by_team and UNASSIGNED not in hidden and any(unassigned):
        if few(UNASSIGNED):  # spend of nobody's team, and of too few people to be shown
            hidden.append(UNASSIGNED)
        else:
            blank = Metrics(**dict.fromkeys(Metrics.__dataclass_fields__))
            by_team[UNASSIGNED] = _figures(unassigned, blank, before=None)
    total = _figures(
        table.total(None, since, until), report.totals,
        before=before(None, previous.totals.deployments if previous is not None else None),
    )  # fmt: skip
    spend = Spend(
        currency=table.currency or "USD",
        sources=list(table.sources),
        total=total,
        by_team=by_team,
        hidden=hidden,
        records=table.read,
        duplicates=table.duplicates,
        outside_window=table.outside,
    )
    return replace(report, spend=spend, warnings=[*report.warnings, *_rising(total)])


def _rising(total: SpendFigures) -> list[str]:
    """The line a lead needs when spend outgrows what ships."""
    if total.change is None or total.change < RISE:
        return []
    deploys = total.deploys_change
    if deploys is not None and deploys >= total.change / 2:
        return []
    shipped = "no deploys before" if deploys is None else f"deploys {_signed(deploys)}"
    return [
        f"spend {_signed(total.change)} over the previous period of the same length, {shipped}: "
        "the AI spend grows faster than what ships"
    ]


def _signed(fraction: float) -> str:
    return f"{'+' if fraction >= 0 else '−'}{abs(fraction) * 100:.0f} %"
