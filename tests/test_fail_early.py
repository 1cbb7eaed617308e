"""Option combinations that cannot be honoured are refused before the work (issue 37.5), and the
library takes dates as well as text (issue 37)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import deploycount
from deploycount.errors import UsageError
from deploycount.model import LeadTimeStats
from deploycount.render.common import hours, lead_unit
from tests.conftest import GitRepo, RunCli, one_line_error


@pytest.mark.parametrize(
    ("args", "env", "fragment"),
    [
        (("--every", "4w"), {}, "use --format json or openmetrics, not table"),
        (("--every", "1w", "--format", "markdown"), {}, "not markdown"),
        (("--format", "partial"), {}, "DEPLOYCOUNT_PEOPLE_KEY"),
        (("--output", "/no/such/dir/report.txt"), {}, "/no/such/dir is not a directory"),
    ],
)
def test_what_cannot_be_honoured_is_refused_before_git_reads_history(
    repo: GitRepo,
    run_cli: RunCli,
    tmp_path: Path,
    args: tuple[str, ...],
    env: dict[str, str],
    fragment: str,
) -> None:
    """`report --every 4w` read the whole history, then said the table cannot hold periods."""
    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v1.0.0")
    trace = tmp_path / "trace.json"
    done = run_cli("report", "--since", "8w", *args, cwd=repo,
                   env={**env, "GIT_TRACE2_EVENT": str(trace)})  # fmt: skip
    one_line_error(done, 2, fragment)
    ran = trace.read_text() if trace.exists() else ""
    assert '"log"' not in ran and "for-each-ref" not in ran  # no history, no tags read


def test_the_library_takes_datetimes_and_dates(repo: GitRepo) -> None:
    """`deploycount.report(path, since=datetime(...))` failed with AttributeError: 'strip'."""
    repo.commit("base", when="2026-09-01T10:00:00Z")
    made = deploycount.report(repo.path, since=datetime(2026, 9, 1, 12), until=date(2026, 10, 1))
    assert (made.since, made.until) == ("2026-09-01T12:00:00Z", "2026-10-01T00:00:00Z")
    aware = deploycount.report(repo.path, since=datetime(2026, 9, 1, 14, tzinfo=UTC))
    assert aware.since == "2026-09-01T14:00:00Z"
    with pytest.raises(UsageError, match="a datetime or a date, not int"):
        deploycount.report(repo.path, since=5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ai", "human", "shown"),
    [
        (1.0, 48.0, ("0.042d", "2.0d")),  # read 0.0d / 2.0d
        (0.1, 47.0, ("0.1h", "47.0h")),
        (0.05, 3.0, ("0.05h", "3.0h")),
        (0.0, 72.0, ("0.0d", "3.0d")),
        (0.1, 480.0, ("<0.01d", "20.0d")),
    ],
)
def test_a_short_lead_time_beside_a_long_one_is_not_zero(
    ai: float, human: float, shown: tuple[str, str]
) -> None:
    stats = [LeadTimeStats(n=1, p50=ai, p90=ai), LeadTimeStats(n=1, p50=human, p90=human)]
    unit = lead_unit(*stats)
    assert (hours(stats[0], unit), hours(stats[1], unit)) == shown
