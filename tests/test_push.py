"""`deploycount push` against a real Pushgateway, an OTLP receiver decoding with the official
protobuf message, webhooks, and loopback servers that fail in every way a network can."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from prometheus_client.parser import text_string_to_metric_families

import deploycount
from tests.conftest import GitRepo, RunCli, one_line_error
from tests.servers import Reply, free_port, running_pushgateway, scripted_server
from tests.tools import required_tool

WINDOW = ("--since", "2026-10-01", "--until", "2026-10-29")
# A team name that needs escaping in the exposition format, and a repository with a slash.
TEAM = 'pay "eu"\\ops'
CONFIG = f"""
[teams.{json.dumps(TEAM)}]
members = ["*@pay.example.com"]

[teams.tiny]
members = ["solo@example.com"]
"""
ENV = {"GITHUB_REPOSITORY": "acme/api"}


@pytest.fixture
def shipped(repo: GitRepo) -> GitRepo:
    (repo.path / ".deploycount.toml").write_text(CONFIG)
    repo.commit("base", author="Ann <ann@pay.example.com>", when="2026-09-01T10:00:00Z")
    repo.tag("v0.1")
    repo.commit(
        "feat: a\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
        author="Ann <ann@pay.example.com>",
        when="2026-10-02T10:00:00Z",
    )
    repo.commit("feat: b", author="Ben <ben@pay.example.com>", when="2026-10-03T10:00:00Z")
    repo.commit("feat: c", author="Cy <cy@pay.example.com>", when="2026-10-03T12:00:00Z")
    repo.tag("v1.0", annotated_at="2026-10-04T00:00:00Z")
    repo.commit("feat: d", author="Solo <solo@example.com>", when="2026-10-05T10:00:00Z")
    repo.tag("v1.1", annotated_at="2026-10-06T00:00:00Z")
    return repo


def json_report(run_cli: RunCli, repo: GitRepo) -> dict[str, Any]:
    result = run_cli("report", "--format", "json", *WINDOW, cwd=repo, env=ENV)
    assert result.exit_code == 0, result.stderr
    return result.json()


Key = tuple[str, tuple[tuple[str, str], ...]]
RECOVERY_BOUNDS = ("900", "3600", "14400", "43200", "86400", "259200", "604800")
BOUNDS = ("3600", "14400", "43200", "86400", "172800", "345600", "604800", "1209600", "2419200",
          "4838400")  # fmt: skip


def _ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def expected_values(report: dict[str, Any], min_confidence: str = "medium") -> dict[Key, float]:
    """What the JSON report says each exposed sample must be (Prometheus names and labels)."""
    values: dict[Key, float] = {}

    def put(name: str, value: float, **labels: str) -> None:
        values[(name, tuple(sorted(labels.items())))] = float(value)

    rows = [("all", report["totals"])] + [
        (t["team"], t) for t in report["teams"] if not t["suppressed"]
    ]
    for team, metrics in rows:
        plain = {
            "deployments": "deployments", "ai_deployments": "ai_deployments", "team_size": "size",
            "normalised_deployments": "normalised_deployments",
            "ai_normalised_deployments": "ai_normalised_deployments",
            "commits": "commits", "ai_commits": "ai_commits",
        }  # fmt: skip
        for metric, key in plain.items():
            if metrics[key] is not None:
                put(f"deploycount_{metric}", metrics[key], team=team)
        for tool, count in metrics["tools"].items():
            put("deploycount_ai_commits_by_tool", count, team=team, tool=tool)
        for assisted, side in (("true", "ai"), ("false", "human")):
            put("deploycount_reverted_commits", metrics["reverted_commits"][side],
                team=team, assisted=assisted)  # fmt: skip
            histogram = metrics["lead_time_histogram"][side]
            n = metrics["lead_time_hours"][side]["n"]
            for bound in BOUNDS:
                put("deploycount_lead_time_seconds_bucket", histogram["le"][bound],
                    team=team, assisted=assisted, le=f"{float(bound)}")  # fmt: skip
            put("deploycount_lead_time_seconds_bucket", n, team=team, assisted=assisted, le="+Inf")
            put("deploycount_lead_time_seconds_count", n, team=team, assisted=assisted)
            put("deploycount_lead_time_seconds_sum", histogram["sum_seconds"],
                team=team, assisted=assisted)  # fmt: skip
    put("deploycount_failed_deployments", report["totals"]["failed_deployments"], team="all")
    put("deploycount_rollbacks", report["totals"]["rollbacks"], team="all")
    _held_up_values(report, put)
    put("deploycount_window_start_timestamp_seconds", _ts(report["since"]))
    put("deploycount_window_end_timestamp_seconds", _ts(report["until"]))
    shown = {t["size_source"] for t in report["teams"] if not t["suppressed"]}
    size_source = {frozenset({"declared"}): "declared"}.get(frozenset(shown), "person-weeks")
    if len(shown) > 1:
        size_source = "mixed"
    put("deploycount_report_info", 1, deploy_source=report["deploy_source"],
        size_source=size_source, min_confidence=min_confidence,
        version=deploycount.__version__)  # fmt: skip
    return values


def _held_up_values(report: dict[str, Any], put: Callable[..., None]) -> None:
    """The outcomes' samples (issue 38), from the report's rows, failures and teams."""
    done = [d for d in report["deployments"] if d["kind"] in ("ship", "redeploy", "rollback")]
    for assisted, ai in (("true", True), ("false", False), ("unknown", None)):
        mine = [d for d in done if d["ai_work"] is ai]
        put("deploycount_successful_deployments", len(mine), team="all", assisted=assisted)
        put("deploycount_rework_deployments", sum(1 for d in mine if d["rework"]), team="all",
            assisted=assisted)  # fmt: skip
        failed = [f for f in report["failures"] if f["ai"] is ai]
        put("deploycount_failures", len(failed), team="all", assisted=assisted)
        seconds = [f["hours"] * 3600 for f in failed if f["hours"] is not None]
        if not seconds:
            continue  # no histogram without a recovery
        for limit in map(int, RECOVERY_BOUNDS):
            put("deploycount_recovery_time_seconds_bucket", sum(1 for x in seconds if x <= limit),
                team="all", assisted=assisted, le=f"{float(limit)}")  # fmt: skip
        put("deploycount_recovery_time_seconds_bucket", len(seconds), team="all",
            assisted=assisted, le="+Inf")  # fmt: skip
        put("deploycount_recovery_time_seconds_count", len(seconds), team="all", assisted=assisted)
        put("deploycount_recovery_time_seconds_sum", sum(seconds), team="all", assisted=assisted)
    put("deploycount_open_failures", sum(1 for f in report["failures"] if f["hours"] is None),
        team="all")  # fmt: skip
    # the change-failure rate's two counts, from the rows: every attempt, and those that failed
    # (a failed deploy, or a shipped one a rollback or an incident names)
    named = {f["deploy"] for f in report["failures"] if f["source"] != "failed deploy"}
    failed_rows = [d for d in report["deployments"] if d["kind"] == "failed"]
    put("deploycount_change_attempts", len(done) + len(failed_rows), team="all")
    put("deploycount_failed_changes",
        len(failed_rows) + sum(1 for d in done if d["id"] in named), team="all")  # fmt: skip
    for team, held in report["outcomes"]["by_team"].items():
        put("deploycount_successful_deployments", held["rework"]["deployments"], team=team)
        put("deploycount_rework_deployments", held["rework"]["rework"], team=team)
        put("deploycount_failures", held["failures"], team=team)
        put("deploycount_open_failures", held["open"], team=team)
        put("deploycount_change_attempts", held["change_failure"]["attempts"], team=team)
        put("deploycount_failed_changes", held["change_failure"]["failed"], team=team)
        n = held["recovery_hours"]["n"]
        if n:
            histogram = held["recovery_histogram"]
            for limit, count in histogram["le"].items():
                put("deploycount_recovery_time_seconds_bucket", count, team=team,
                    le=f"{float(limit)}")  # fmt: skip
            put("deploycount_recovery_time_seconds_bucket", n, team=team, le="+Inf")
            put("deploycount_recovery_time_seconds_count", n, team=team)
            put("deploycount_recovery_time_seconds_sum", histogram["sum_seconds"], team=team)


def pushed_values(metrics_text: str) -> dict[Key, float]:
    """Our samples as the Pushgateway exposes them, parsed by prometheus_client's parser."""
    values = {}
    grouping = {"job", "repository", "environment", "window", "instance"}
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if (
                not sample.name.startswith("deploycount_")
                or sample.name == "deploycount_last_push_timestamp_seconds"
            ):
                continue
            assert sample.labels["repository"] == "acme/api"
            assert sample.labels["environment"] == "production"
            assert sample.labels["window"] == "28d"
            labels = tuple(
                sorted(
                    # The Pushgateway writes bounds its own way (1.2096e+06): compare numbers.
                    (k, _le(v) if k == "le" else v)
                    for k, v in sample.labels.items()
                    if k not in grouping
                )
            )
            values[(sample.name, labels)] = sample.value
    return values


def _le(text: str) -> str:
    return "+Inf" if text == "+Inf" else f"{float(text)}"


@pytest.mark.linux_only
def test_pushgateway_values_equal_the_report_and_repeat(
    shipped: GitRepo, run_cli: RunCli, tmp_path: Path
) -> None:
    report = json_report(run_cli, shipped)
    assert [t["suppressed"] for t in report["teams"]] == [False, True]
    with running_pushgateway(tmp_path) as gateway:
        for _ in range(2):  # pushing the same report twice leaves the same values
            result = run_cli(
                "push", "--sink", "pushgateway", "--to", gateway, *WINDOW, cwd=shipped, env=ENV
            )
            assert result.exit_code == 0, result.stderr
            text = requests.get(f"{gateway}/metrics", timeout=5).text
            assert pushed_values(text) == expected_values(report)
        assert "tiny" not in text  # suppressed teams are not pushed
        groups = requests.get(f"{gateway}/api/v1/metrics", timeout=5).json()["data"]
        assert len(groups) == 1
        assert groups[0]["labels"]["repository"] == "acme/api"
        # An archived repository: its group goes, nothing else.
        other = {**ENV, "GITHUB_REPOSITORY": "acme/old"}
        pushed = run_cli("push", "--sink", "pushgateway", "--to", gateway, *WINDOW,
                         cwd=shipped, env=other)  # fmt: skip
        assert pushed.exit_code == 0, pushed.stderr
        deleted = run_cli("push", "--sink", "pushgateway", "--to", gateway, "--delete", *WINDOW,
                          cwd=shipped, env=other)  # fmt: skip
        assert deleted.exit_code == 0, deleted.stderr
        assert "deleted the group" in deleted.stderr
        groups = requests.get(f"{gateway}/api/v1/metrics", timeout=5).json()["data"]
        assert [g["labels"]["repository"] for g in groups] == ["acme/api"]
    refused = run_cli("push", "--sink", "otlp", "--to", gateway, "--delete", *WINDOW, cwd=shipped)
    assert refused.exit_code == 2 and "pushgateway only" in refused.stderr


@pytest.mark.linux_only
def test_exposition_passes_promtool(shipped: GitRepo, run_cli: RunCli) -> None:
    """The exact bytes PUT to the Pushgateway, checked by Prometheus's own linter."""
    promtool = required_tool("promtool", "apt-get install prometheus")
    with scripted_server(lambda request, n: Reply(200)) as server:
        result = run_cli(
            "push", "--sink", "pushgateway", "--to", server.url, *WINDOW, cwd=shipped, env=ENV
        )
        assert result.exit_code == 0, result.stderr
    [exchange] = server.received
    assert exchange.method == "PUT"
    assert (
        exchange.path
        == "/metrics/job/deploycount/repository@base64/YWNtZS9hcGk=/environment/production/window/28d"
    )
    assert b"deploycount_lead_time_seconds_bucket" in exchange.body
    check = subprocess.run(
        [promtool, "check", "metrics"],
        check=False,
        input=exchange.body,
        capture_output=True,
        timeout=60,
    )
    assert check.returncode == 0 and check.stdout == b"" and check.stderr == b"", (
        check.stdout + check.stderr
    )
    # ...and promtool does speak up about what it should find: the old names.
    old = b"# HELP deploycount_lead_time_hours x\n# TYPE deploycount_lead_time_hours gauge\n"
    old += b'deploycount_lead_time_hours{quantile="0.5"} 1\n'
    check = subprocess.run(
        [promtool, "check", "metrics"], check=False, input=old, capture_output=True, timeout=60
    )
    assert check.returncode != 0


def _otlp_values(message: ExportMetricsServiceRequest) -> tuple[dict[str, str], dict[Key, float]]:
    """Resource attributes, and every data point in the Prometheus naming of expected_values."""
    [resource_metrics] = message.resource_metrics
    resource = {a.key: a.value.string_value for a in resource_metrics.resource.attributes}
    values: dict[Key, float] = {}
    units = {}
    for metric in resource_metrics.scope_metrics[0].metrics:
        assert metric.name.startswith("deploycount.") and "_" not in metric.name.split(".")[0]
        name = metric.name.replace(".", "_", 1)
        units[name] = metric.unit
        kind = metric.WhichOneof("data")
        if kind == "histogram":
            assert metric.histogram.aggregation_temporality == 2  # cumulative
            for point in metric.histogram.data_points:
                labels = {a.key: a.value.string_value for a in point.attributes}
                bounds = RECOVERY_BOUNDS if name == "deploycount_recovery_time_seconds" else BOUNDS
                assert [int(b) for b in point.explicit_bounds] == [int(b) for b in bounds]
                running = 0
                for bound, count in zip([*bounds, "+Inf"], point.bucket_counts, strict=True):
                    running += count
                    le = bound if bound == "+Inf" else f"{float(bound)}"
                    values[(f"{name}_bucket", tuple(sorted({**labels, "le": le}.items())))] = (
                        running
                    )
                values[(f"{name}_count", tuple(sorted(labels.items())))] = point.count
                values[(f"{name}_sum", tuple(sorted(labels.items())))] = point.sum
            continue
        assert kind == "gauge"
        for gauge in metric.gauge.data_points:
            gauge_labels = tuple(sorted((a.key, a.value.string_value) for a in gauge.attributes))
            which = gauge.WhichOneof("value")
            integer = metric.unit.startswith("{") and "/" not in metric.unit
            integer = integer and name != "deploycount_team_size"  # person-weeks / weeks
            assert which == (
                "as_int" if integer or name == "deploycount_report" else "as_double"
            ), name
            key = name + "_info" if name == "deploycount_report" else name
            values[(key, gauge_labels)] = gauge.as_int if which == "as_int" else gauge.as_double
    assert units["deploycount_deployments"] == "{deployment}"
    assert units["deploycount_commits"] == "{commit}"
    assert units["deploycount_team_size"] == "{person}"
    assert units["deploycount_lead_time_seconds"] == "s"
    assert units["deploycount_window_start_timestamp_seconds"] == "s"
    assert all(units.values())
    return resource, values


@pytest.mark.parametrize("protocol", ["http/protobuf", "http/json", None])
def test_otlp_requests_decode_with_the_official_message(
    shipped: GitRepo, run_cli: RunCli, protocol: str | None
) -> None:
    report = json_report(run_cli, shipped)
    flags = ["--otlp-protocol", protocol] if protocol else []
    with scripted_server(lambda request, n: Reply(200, b"")) as server:
        result = run_cli(
            "push", "--sink", "otlp", "--to", server.url, *flags, *WINDOW, cwd=shipped, env=ENV
        )
        assert result.exit_code == 0, result.stderr
    [exchange] = server.received
    assert (exchange.method, exchange.path) == ("POST", "/v1/metrics")
    message = ExportMetricsServiceRequest()
    if protocol == "http/json":
        assert exchange.headers["Content-Type"] == "application/json"
        json_format.Parse(exchange.body, message)  # strict: unknown fields fail
    else:  # protobuf is the default, as in the OpenTelemetry SDKs
        assert exchange.headers["Content-Type"] == "application/x-protobuf"
        message.ParseFromString(exchange.body)
        assert message.SerializeToString() == exchange.body
    resource, values = _otlp_values(message)
    assert resource == {
        "service.name": "deploycount",
        "service.version": deploycount.__version__,
        "service.instance.id": "acme/api/production/28d",
        "vcs.repository.name": "acme/api",
        "deployment.environment.name": "production",
    }
    values.pop(("deploycount_last_push_timestamp_seconds", ()))
    assert values == expected_values(report)


def test_otlp_protocol_from_the_opentelemetry_variable(shipped: GitRepo, run_cli: RunCli) -> None:
    with scripted_server(lambda request, n: Reply(200, b"{}")) as server:
        env = {**ENV, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}
        result = run_cli(
            "push", "--sink", "otlp", "--to", server.url, *WINDOW, cwd=shipped, env=env
        )
        assert result.exit_code == 0, result.stderr
    assert server.received[0].headers["Content-Type"] == "application/json"
    env = {**ENV, "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "grpc"}
    result = run_cli("push", "--sink", "otlp", "--to", "http://127.0.0.1:1", *WINDOW,
                     cwd=shipped, env=env)  # fmt: skip
    assert result.exit_code == 2 and "gRPC is not supported" in result.stderr


@pytest.mark.parametrize("encoding", ["protobuf", "json"])
def test_otlp_partial_success_is_a_warning(
    shipped: GitRepo, run_cli: RunCli, encoding: str
) -> None:
    answer = ExportMetricsServiceResponse()
    answer.partial_success.rejected_data_points = 3
    answer.partial_success.error_message = "3 points had no name"
    if encoding == "json":
        body, content_type = json_format.MessageToJson(answer).encode(), "application/json"
    else:
        body, content_type = answer.SerializeToString(), "application/x-protobuf"
    reply = Reply(200, body, headers={"Content-Type": content_type})
    with scripted_server(lambda request, n: reply) as server:
        result = run_cli(
            "push", "--sink", "otlp", "--to", server.url, *WINDOW, cwd=shipped, env=ENV
        )
    assert result.exit_code == 0, result.stderr
    assert (
        "warning: the OTLP endpoint rejected 3 data point(s): 3 points had no name" in result.stderr
    )


def test_webhook_gets_the_signed_report(shipped: GitRepo, run_cli: RunCli) -> None:
    report = json_report(run_cli, shipped)
    secret = "whsec-correct-horse"
    with scripted_server(lambda request, n: Reply(204)) as server:
        env = {**ENV, "DEPLOYCOUNT_WEBHOOK_SECRET": secret}
        result = run_cli(
            "push", "--sink", "webhook", "--to", f"{server.url}/hook", *WINDOW, cwd=shipped, env=env
        )
        assert result.exit_code == 0, result.stderr
        unsigned = run_cli(
            "push", "--sink", "webhook", "--to", f"{server.url}/hook", *WINDOW, cwd=shipped, env=ENV
        )
        assert unsigned.exit_code == 0
    signed, plain = server.received
    assert json.loads(signed.body) == report
    expected = "sha256=" + hmac.new(secret.encode(), signed.body, hashlib.sha256).hexdigest()
    assert signed.headers["X-Deploycount-Signature-256"] == expected
    assert "X-Deploycount-Signature-256" not in plain.headers


def test_config_push_section_mirrors_the_flags(shipped: GitRepo, run_cli: RunCli) -> None:
    with scripted_server(lambda request, n: Reply(200)) as server:
        config = shipped.path / ".deploycount.toml"
        push_section = (
            f'\n[push]\nsink = "webhook"\nto = "{server.url}/cfg"\n'
            'headers = ["X-Team: ${TEAM_NAME}"]\n'
        )
        config.write_text(config.read_text() + push_section)
        result = run_cli("push", *WINDOW, cwd=shipped, env={**ENV, "TEAM_NAME": "pay"})
        assert result.exit_code == 0, result.stderr
    [exchange] = server.received
    assert exchange.path == "/cfg"
    assert exchange.headers["X-Team"] == "pay"


def push_to(run_cli: RunCli, repo: GitRepo, url: str, *extra: str) -> Any:
    return run_cli("push", "--sink", "webhook", "--to", url, *extra, *WINDOW, cwd=repo, env=ENV)


@pytest.mark.slow
def test_two_503s_then_success(shipped: GitRepo, run_cli: RunCli) -> None:
    def script(request: Any, n: int) -> Reply:
        return Reply(503, b"busy") if n <= 2 else Reply(200)

    with scripted_server(script) as server:
        result = push_to(run_cli, shipped, server.url)
    assert result.exit_code == 0, result.stderr
    assert len(server.received) == 3


@pytest.mark.slow
def test_retry_after_is_honoured(shipped: GitRepo, run_cli: RunCli) -> None:
    def script(request: Any, n: int) -> Reply:
        return Reply(429, headers={"Retry-After": "1"}) if n == 1 else Reply(200)

    with scripted_server(script) as server:
        started = time.monotonic()
        result = push_to(run_cli, shipped, server.url)
        elapsed = time.monotonic() - started
    assert result.exit_code == 0
    assert elapsed >= 1.0
    assert len(server.received) == 2


@pytest.mark.slow
def test_always_500_gives_up_within_the_bound(shipped: GitRepo, run_cli: RunCli) -> None:
    with scripted_server(lambda request, n: Reply(500, b"database on fire")) as server:
        started = time.monotonic()
        result = push_to(
            run_cli, shipped, server.url + "/hook?token=abc", "--max-retry-seconds", "2"
        )
        elapsed = time.monotonic() - started
    line = one_line_error(result, 1, "webhook", f"{server.url}/hook", "500", "database on fire")
    assert "token=abc" not in line
    assert elapsed < 2 + 3  # the bound, plus the report itself
    assert 2 <= len(server.received) <= 4


@pytest.mark.slow
def test_a_server_that_never_answers_times_out(shipped: GitRepo, run_cli: RunCli) -> None:
    with scripted_server(lambda request, n: Reply(200, delay=3)) as server:
        result = push_to(
            run_cli, shipped, server.url, "--timeout", "0.3", "--max-retry-seconds", "1"
        )
    one_line_error(result, 1, "webhook", "no answer within 0.3s")


def test_connection_refused(shipped: GitRepo, run_cli: RunCli) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = push_to(run_cli, shipped, url, "--max-retry-seconds", "1")
    one_line_error(result, 1, "webhook", url, "connection refused")


def test_400_fails_at_once_with_the_error_body(
    shipped: GitRepo, run_cli: RunCli, tmp_path: Path
) -> None:
    body = b"text format parsing error in line 3: second TYPE line for metric name"
    with scripted_server(lambda request, n: Reply(400, body)) as server:
        result = run_cli(
            "push", "--sink", "pushgateway", "--to", server.url, *WINDOW, cwd=shipped, env=ENV
        )
    one_line_error(result, 1, "Pushgateway", "refused the request", "400", "second TYPE line")
    assert len(server.received) == 1  # no retry on 4xx


@pytest.mark.parametrize("debug", [False, True])
def test_secrets_never_reach_the_output(shipped: GitRepo, run_cli: RunCli, debug: bool) -> None:
    token = "ghp_SEKRETtoken1234567890"
    secret = "whsec-never-print-me"
    password = "hunter2-password"

    def echo_headers(request: Any, n: int) -> Reply:  # the worst server: it echoes what we sent
        return Reply(401, json.dumps(request.headers).encode())

    with scripted_server(echo_headers) as server:
        url = server.url.replace("http://", f"http://bot:{password}@")
        args = ["--debug"] if debug else []
        result = run_cli(
            *args, "push", "--sink", "webhook", "--to", url,
            "--header", f"X-Api-Key: {token}", *WINDOW,
            cwd=shipped, env={**ENV, "DEPLOYCOUNT_WEBHOOK_SECRET": secret},
        )  # fmt: skip
    assert result.exit_code == 1
    output = result.stdout + result.stderr
    assert "401" in output
    for value in (token, secret, password):
        assert value not in output
    if debug:
        assert "Traceback" in output
    # The server did get them: masking is about our output, not about what we send.
    assert server.received[0].headers["X-Api-Key"] == token
    assert server.received[0].headers["Authorization"].startswith("Basic ")


def test_bad_push_usage(shipped: GitRepo, run_cli: RunCli) -> None:
    result = run_cli("push", "--to", "http://127.0.0.1:1", *WINDOW, cwd=shipped)
    assert result.exit_code == 2
    assert "--sink" in result.stderr
    result = run_cli("push", "--sink", "webhook", "--to", "ftp://x", *WINDOW, cwd=shipped)
    assert result.exit_code == 2
    result = run_cli(
        "push",
        "--sink",
        "webhook",
        "--to",
        "http://x",
        "--header",
        "NoColonSECRET",
        *WINDOW,
        cwd=shipped,
    )
    assert result.exit_code == 2
    assert "NoColonSECRET" not in result.stderr
