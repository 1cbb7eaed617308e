"""OpenTelemetry OTLP/HTTP: POST `{URL}/v1/metrics`, as `http/protobuf` (the default of the
OpenTelemetry SDKs and collectors) or `http/json`.

The request is built with the official `opentelemetry-proto` messages and serialised by
protobuf itself, either way. Resource attributes follow the semantic conventions, so series of
different repositories, environments and windows never merge. Gauges carry integers as
integers; lead time is an OTLP histogram with the same bounds as the Prometheus one
(cumulative, starting at the window's start: each push is the window's whole distribution).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import (
    AggregationTemporality,
    Gauge,
    Histogram,
    HistogramDataPoint,
    Metric,
    NumberDataPoint,
    ResourceMetrics,
    ScopeMetrics,
)
from opentelemetry.proto.resource.v1.resource_pb2 import Resource

from deploycount import __version__
from deploycount.http import HttpClient
from deploycount.model import Report
from deploycount.render.samples import PREFIX, Family, window_days
from deploycount.timeutil import from_iso_z

PROTOCOLS = ("http/protobuf", "http/json")
_CONTENT_TYPES = {"http/protobuf": "application/x-protobuf", "http/json": "application/json"}


def _attributes(pairs: Sequence[tuple[str, str]]) -> list[KeyValue]:
    return [KeyValue(key=key, value=AnyValue(string_value=value)) for key, value in pairs]


def _nanos(seconds: float) -> int:
    return round(seconds * 1e9)


def _metric(family: Family, *, start_ns: int, now_ns: int) -> Metric:
    metric = Metric(
        name=(PREFIX + family.name).replace("_", ".", 1), description=family.help, unit=family.unit
    )
    if family.kind == "histogram":
        points = []
        for point in family.points:
            cumulative = [count for _, count in point.buckets]
            per_bucket = [cumulative[0]] + [b - a for a, b in pairwise(cumulative)]
            points.append(
                HistogramDataPoint(
                    attributes=_attributes(point.labels),
                    start_time_unix_nano=start_ns,
                    time_unix_nano=now_ns,
                    count=point.count,
                    sum=point.total,
                    bucket_counts=per_bucket,
                    explicit_bounds=[bound for bound, _ in point.buckets if not math.isinf(bound)],
                )
            )
        metric.histogram.CopyFrom(
            Histogram(
                data_points=points,
                aggregation_temporality=AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE,
            )
        )
        return metric
    numbers = []
    for point in family.points:
        number = NumberDataPoint(attributes=_attributes(point.labels), time_unix_nano=now_ns)
        if family.integer or family.kind == "info":
            number.as_int = int(point.value)
        else:
            number.as_double = float(point.value)
        numbers.append(number)
    metric.gauge.CopyFrom(Gauge(data_points=numbers))
    return metric


def otlp_request(
    report: Report, families: Sequence[Family], *, now_ns: int, start_ns: int
) -> ExportMetricsServiceRequest:
    window = window_days(report)
    resource = Resource(
        attributes=_attributes(
            [
                ("service.name", "deploycount"),
                ("service.version", __version__),
                ("service.instance.id", f"{report.repository}/{report.environment}/{window}"),
                ("vcs.repository.name", report.repository),
                ("deployment.environment.name", report.environment),
            ]
        )
    )
    scope = InstrumentationScope(name="deploycount", version=__version__)
    metrics = [_metric(family, start_ns=start_ns, now_ns=now_ns) for family in families]
    return ExportMetricsServiceRequest(
        resource_metrics=[
            ResourceMetrics(
                resource=resource, scope_metrics=[ScopeMetrics(scope=scope, metrics=metrics)]
            )
        ]
    )


def encode(request: ExportMetricsServiceRequest, protocol: str) -> bytes:
    if protocol == "http/json":
        # OTLP/JSON: lowerCamelCase keys, enums as integers (the OTLP spec requires both).
        text: str = json_format.MessageToJson(request, use_integers_for_enums=True, indent=None)
        return text.encode()
    encoded: bytes = request.SerializeToString()
    return encoded


def rejected_points(body: bytes, content_type: str) -> tuple[int, str]:
    """The `partialSuccess` of an answer: rejected points and the message (0, "" when none or
    when the answer is empty, as collectors send for full success)."""
    if not body.strip():
        return 0, ""
    answer = ExportMetricsServiceResponse()
    try:
        if "json" in content_type:
            json_format.Parse(body.decode("utf-8"), answer, ignore_unknown_fields=True)
        else:
            answer.ParseFromString(body)
    except Exception:
        # protobuf's DecodeError has no stable import path across versions. An answer we
        # cannot read is not a failure of the push: the status already said it was accepted.
        return 0, ""
    partial = answer.partial_success
    return int(partial.rejected_data_points), partial.error_message


def push_otlp(
    client: HttpClient,
    base_url: str,
    report: Report,
    families: Sequence[Family],
    *,
    now_ns: int,
    protocol: str,
) -> tuple[str, list[str]]:
    """POST the metrics; returns the URL and warnings (points the collector rejected)."""
    url = base_url.rstrip("/")
    if not url.endswith("/v1/metrics"):
        url += "/v1/metrics"
    start_ns = _nanos(from_iso_z(report.since).timestamp())
    request = otlp_request(report, families, now_ns=now_ns, start_ns=start_ns)
    answer = client.request(
        "POST",
        url,
        what="OTLP endpoint",
        data=encode(request, protocol),
        headers={"Content-Type": _CONTENT_TYPES[protocol]},
    )
    rejected, message = rejected_points(answer.content, answer.headers.get("Content-Type", ""))
    warnings = []
    if rejected:
        detail = f": {message[:200]}" if message else ""
        warnings.append(f"the OTLP endpoint rejected {rejected} data point(s){detail}")
    if not rejected and message:
        warnings.append(f"the OTLP endpoint says: {message[:200]}")
    return url, warnings
