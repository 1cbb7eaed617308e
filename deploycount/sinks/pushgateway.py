"""Prometheus Pushgateway: PUT the gauges to the report's grouping key.

PUT replaces the whole group, so pushing the same report twice leaves the same values. The text
exposition format (escaping of user-supplied label values included) comes from
`prometheus_client`, the reference implementation, rather than hand-written code.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Iterator, Sequence
from urllib.parse import quote

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.registry import Collector

from deploycount.http import HttpClient
from deploycount.model import Report
from deploycount.sinks.samples import HELP, PREFIX, Sample, window_days


def grouping_segment(name: str, value: str) -> str:
    """`name/value`, or `name@base64/...` where a plain value would break the URL path."""
    if value == "":
        return f"{name}@base64/="
    if "/" in value or " " in value:
        return f"{name}@base64/{base64.urlsafe_b64encode(value.encode()).decode()}"
    return f"{name}/{quote(value, safe='')}"


def grouping_path(report: Report) -> str:
    segments = [
        grouping_segment("job", "deploycount"),
        grouping_segment("repository", report.repository),
        grouping_segment("environment", report.environment),
        grouping_segment("window", window_days(report)),
    ]
    return "/metrics/" + "/".join(segments)


class _Samples(Collector):
    def __init__(self, samples: Sequence[Sample]) -> None:
        self.samples = samples

    def collect(self) -> Iterator[GaugeMetricFamily]:
        by_name: dict[str, list[Sample]] = defaultdict(list)
        for sample in self.samples:
            by_name[sample.name].append(sample)
        for name, group in by_name.items():
            label_names = [label for label, _ in group[0].labels]
            family = GaugeMetricFamily(PREFIX + name, HELP[name], labels=label_names)
            for sample in group:
                family.add_metric([value for _, value in sample.labels], sample.value)
            yield family


def exposition(samples: Sequence[Sample]) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Samples(samples))
    return generate_latest(registry)


def push_pushgateway(
    client: HttpClient, base_url: str, report: Report, samples: Sequence[Sample]
) -> str:
    url = base_url.rstrip("/") + grouping_path(report)
    client.request(
        "PUT",
        url,
        what="Pushgateway",
        data=exposition(samples),
        headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4},
    )
    return url
