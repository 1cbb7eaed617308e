"""Metrics sinks: the same report, sent where engineering leads already look."""

from __future__ import annotations

from deploycount.sinks.samples import Sample, report_samples

__all__ = ["Sample", "report_samples"]
