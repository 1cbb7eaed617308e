"""deploys/notes.py without git: the ledger's lines read back, written, and the checks a recorded
deploy passes. (The ledger in real repositories, clones and pushes: tests/test_ledger.py.)"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from deploycount.deploys.base import DeployEvent
from deploycount.deploys.notes import (
    check_deploy_time,
    default_event_id,
    event_line,
    parse_note,
)
from tests.history_rows import T0, deploy, hexsha

SHA = hexsha("c1")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"id":"1","sha":"' + SHA + '","time":"2026-10-01T10:00:00Z"}', None),
        ("not json", "JSON: Expecting value"),
        ("[" * 100_000, "JSON: nested too deeply"),
        ('["a list"]', "event: not a JSON object"),
        ('{"id":"1","sha":"xyz","time":"2026-10-01T10:00:00Z"}', "sha: String should match"),
        ('{"id":"1","sha":"' + SHA + '"}', "time: Field required"),
        ('{"id":"","sha":"' + SHA + '","time":"2026-10-01T10:00:00Z"}', "id: String should have"),
        ('{"id":"1","sha":"' + SHA + '","time":"2026-10-01T10:00:00"}', "time: Input should have"),
        ('{"id":"1","sha":"' + SHA + '","time":"2026-10-01T10:00:00Z","status":"maybe"}',
         "status: Input should be 'success' or 'failure'"),
    ],
)  # fmt: skip
def test_each_line_of_a_note_is_an_event_or_its_problem(line: str, problem: str | None) -> None:
    [read] = parse_note("c0ffee", line)
    assert read.commit == "c0ffee" and read.text == line
    if problem is None:
        assert read.problem is None and read.record is not None
        ten = T0 + timedelta(hours=10)
        assert read.record.to_event() == DeployEvent("1", SHA, "production", ten, "success")
    else:
        assert read.record is None and read.problem is not None
        assert str(read.problem).startswith(problem), str(read.problem)


def test_blank_lines_are_not_lines_and_each_other_line_counts_once() -> None:
    good = '{"id":"1","sha":"' + SHA + '","time":"2026-10-01T10:00:00Z"}'
    assert len(parse_note("c", f"\n{good}\n\n  \nbad\n{good}\n")) == 3


def test_an_event_is_written_as_one_line_that_reads_back_the_same() -> None:
    event = deploy("run-7", "c1", 2)
    line = event_line(event)
    assert "\n" not in line and '"service"' not in line  # written only when set
    [read] = parse_note("c", line)
    assert read.record is not None and read.record.to_event() == event
    on_web = deploy("run-7", "c1", 2, service="web")
    [read] = parse_note("c", event_line(on_web))
    assert read.record is not None and read.record.to_event() == on_web


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, f"{SHA[:12]}-20261001T100000Z"),
        ({"GITHUB_RUN_ID": "42"}, f"42-1-{SHA[:12]}"),
        ({"GITHUB_RUN_ID": "42", "GITHUB_RUN_ATTEMPT": "3", "GITHUB_JOB": "deploy"},
         f"42-3-deploy-{SHA[:12]}"),
    ],
)  # fmt: skip
def test_the_default_event_id(environ: dict[str, str], expected: str) -> None:
    assert default_event_id(environ, SHA, T0 + timedelta(hours=10)) == expected


@pytest.mark.parametrize(
    ("moment", "problem"),
    [
        (T0, None),
        (T0 + timedelta(seconds=59), None),  # a runner's clock a little ahead
        (T0 + timedelta(minutes=2), "is in the future"),
        (T0 - timedelta(days=1) - timedelta(minutes=59), None),  # within the hour allowed
        (T0 - timedelta(days=1, hours=2), "is before the commit was made"),
    ],
)
def test_a_deploy_time_must_be_possible(moment: datetime, problem: str | None) -> None:
    committed, now = T0 - timedelta(days=1), T0
    found = check_deploy_time(moment, committed, now)
    assert (found is None) if problem is None else (found is not None and problem in found)
