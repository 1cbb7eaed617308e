"""OpenTelemetry OTLP/HTTP: POST `{URL}/v1/metrics`, JSON encoding.

JSON (the protobuf message in its canonical JSON form, as the OTLP/HTTP spec allows) keeps the
runtime free of protobuf; the tests decode every request with the official
`opentelemetry-proto` message `ExportMetricsServiceRequest`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from deploycount import __version__
from deploycount.http import HttpClient
from deploycount.model import Report
from deploycount.sinks.samples import HELP, PREFIX, Sample, window_days


def _attribute(key: str, value: str) -> dict[str, object]:
    return {"key": key, "value": {"stringValue": value}}


def otlp_payload(report: Report, samples: Sequence[Sample], *, now_ns: int) -> dict[str, object]:
    metrics: dict[str, list[dict[str, object]]] = {}
    for sample in samples:
        point = {
            "timeUnixNano": str(now_ns),
            "asDouble": sample.value,
            "attributes": [_attribute(k, v) for k, v in sample.labels],
        }
        metrics.setdefault(sample.name, []).append(point)
    return {
        "resourceMetrics": [
            {
                "resource": {
                    "attributes": [
                        _attribute("service.name", "deploycount"),
                        _attribute("repository", report.repository),
                        _attribute("environment", report.environment),
                        _attribute("window", window_days(report)),
                    ]
                },
                "scopeMetrics": [
                    {
                        "scope": {"name": "deploycount", "version": __version__},
                        "metrics": [
                            {
                                "name": (PREFIX + name).replace("_", ".", 1),
                                "description": HELP[name],
                                "gauge": {"dataPoints": points},
                            }
                            for name, points in metrics.items()
                        ],
                    }
                ],
            }
        ]
    }


def push_otlp(
    client: HttpClient, base_url: str, report: Report, samples: Sequence[Sample], *, now_ns: int
) -> str:
    url = base_url.rstrip("/")
    if not url.endswith("/v1/metrics"):
        url += "/v1/metrics"
    body = json.dumps(otlp_payload(report, samples, now_ns=now_ns)).encode()
    client.request(
        "POST", url, what="OTLP endpoint", data=body, headers={"Content-Type": "application/json"}
    )
    return url
