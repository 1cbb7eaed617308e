"""Metric families as Prometheus text: the 0.0.4 format the Pushgateway takes, and OpenMetrics
with timestamps for backfilling (`promtool tsdb create-blocks-from openmetrics`). The escaping
of user-supplied label values and the formats themselves come from `prometheus_client`, the
reference implementation, rather than hand-written code."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from prometheus_client import CollectorRegistry
from prometheus_client.core import (
    GaugeMetricFamily,
    HistogramMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.exposition import generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics
from prometheus_client.registry import Collector

from deploycount.render.samples import PREFIX, Family


def _bound(value: float) -> str:
    return "+Inf" if value == float("inf") else repr(value)


def _metric(family: Family) -> Metric:
    name = PREFIX + family.name
    label_names = [label for label, _ in family.points[0].labels]
    metric: Metric
    if family.kind == "info":
        info = InfoMetricFamily(name, family.help, labels=[])
        for point in family.points:
            info.add_metric([], dict(point.labels), timestamp=point.timestamp)
        return info
    if family.kind == "histogram":
        metric = HistogramMetricFamily(name, family.help, labels=label_names, unit="seconds")
        for point in family.points:
            metric.add_metric(
                [value for _, value in point.labels],
                [(_bound(bound), count) for bound, count in point.buckets],
                point.total,
                timestamp=point.timestamp,
            )
        return metric
    unit = "seconds" if family.unit == "s" else ""
    metric = GaugeMetricFamily(name, family.help, labels=label_names, unit=unit)
    for point in family.points:
        metric.add_metric(
            [value for _, value in point.labels], point.value, timestamp=point.timestamp
        )
    return metric


class _Families(Collector):
    def __init__(self, families: Sequence[Family]) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        for family in self.families:
            yield _metric(family)


def _registry(families: Sequence[Family]) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families(families))
    return registry


def text_exposition(families: Sequence[Family]) -> bytes:
    """The Prometheus text format 0.0.4 (what the Pushgateway takes)."""
    return generate_latest(_registry(families))


def openmetrics(families: Sequence[Family]) -> bytes:
    """OpenMetrics 1.0 text, timestamps included, ending in `# EOF`."""
    encoded: bytes = generate_openmetrics(_registry(families))  # type: ignore[no-untyped-call]
    return encoded
