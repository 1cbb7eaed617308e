"""The report model keeps pydantic off the report's path: its JSON is the standard library's, read
back here for any float and any text; the schema is pinned, and a report read back is still
checked field by field."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, replace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import deploycount
from deploycount.model import NotAReport, report_from_json, report_json_schema
from tests.golden import assert_golden
from tests.test_render import busy_report, fixed_report


def test_reports_read_back_as_they_were() -> None:
    for report in (fixed_report(), busy_report(), replace(fixed_report(), teams=[], warnings=[])):
        assert report_from_json(report.to_json()) == report


def _finite(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30)


@settings(max_examples=300, deadline=None)
@given(numbers=st.lists(st.floats(), min_size=4, max_size=4), text=TEXT)
@example(numbers=[1e-05, 1.5e-05, -2.5e-07, 1e16], text='\x00\x1f\x7f\u2028"\\/é😀\n\t')
@example(numbers=[5e-324, -0.0, 1e-300, 1.7976931348623157e308], text="")
@example(numbers=[float("nan"), float("inf"), -float("inf"), 0.0001], text=" ")
def test_any_float_and_any_text_read_back(numbers: list[float], text: str) -> None:
    """Every float (the same number back; null for infinities and NaN, which JSON lacks) and
    every string (escaped where JSON needs it, other non-ASCII written as it is)."""
    base = fixed_report()
    weeks, share, p50, histogram_sum = numbers
    totals = base.totals
    lead = replace(totals.lead_time_hours, ai=replace(totals.lead_time_hours.ai, p50=p50))
    histograms = replace(
        totals.lead_time_histogram,
        human=replace(totals.lead_time_histogram.human, sum_seconds=histogram_sum),
    )
    totals = replace(totals, ai_commit_share=share, lead_time_hours=lead,
                     lead_time_histogram=histograms, tools={text: 1, f"{text}x": 2})  # fmt: skip
    report = replace(base, weeks=weeks, repository=text, warnings=[text, ""], totals=totals)
    written = report.to_json()
    assert json.loads(written) == _finite(asdict(report))
    assert all(char in written for char in text if char.isprintable() and char not in '"\\')


def test_the_schema_is_pinned() -> None:
    """The schema users validate reports with changes only on purpose (UPDATE_GOLDEN=1)."""
    assert_golden("report.schema.json", json.dumps(report_json_schema(), indent=2) + "\n")


def test_a_report_read_back_is_checked() -> None:
    text = fixed_report().to_json()
    assert report_from_json(text) == fixed_report()
    read = deploycount.report_from_json(text)  # the package's own name for it, as documented
    assert isinstance(read, deploycount.Report) and read.to_json() == text
    document = json.loads(text)
    document["totals"]["surprise"] = 1
    with pytest.raises(NotAReport, match=r"^totals\.surprise: "):
        report_from_json(json.dumps(document))
    document = json.loads(text)
    document["teams"][0]["commits"] = "many"
    with pytest.raises(NotAReport, match=r"^teams\.0\.commits: "):
        report_from_json(json.dumps(document))
    with pytest.raises(NotAReport, match=r"^Report: "):
        report_from_json("[]")
