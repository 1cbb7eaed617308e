"""`deploycount push`: compute the report and send it to a Pushgateway, an OTLP endpoint or a
webhook, through the one retrying HTTP client; or delete a repository's Pushgateway group."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from deploycount.commands import open_repository
from deploycount.commands.report import one_report
from deploycount.config import (
    PushSettings,
    ReportOptions,
    load_config,
    minimum_confidence,
    resolve_push_settings,
    resolve_report_settings,
)
from deploycount.errors import UsageError
from deploycount.files import read_text_file
from deploycount.http import HttpClient, RetryPolicy
from deploycount.masking import register_secret, safe_url
from deploycount.model import NotAReport, Report, report_from_json
from deploycount.pipeline import Progress
from deploycount.render.samples import grouping_key, grouping_labels, report_families, window_label
from deploycount.repository import repository_name
from deploycount.timeutil import utc_now

WEBHOOK_SECRET_ENV = "DEPLOYCOUNT_WEBHOOK_SECRET"


@dataclass
class PushOutcome:
    settings: PushSettings
    destination: str  # where it went, without credentials
    warnings: list[str] = field(default_factory=list)


def push(
    directory: str,
    options: ReportOptions,
    *,
    sink: str | None,
    url: str | None,
    headers: Sequence[str] | None,
    timeout: float | None,
    max_retry_seconds: float | None,
    environ: Mapping[str, str],
    otlp_protocol: str | None = None,
    delete: bool = False,
    report_file: str | None = None,
    log: Callable[[str], None] | None = None,
    progress: Progress | None = None,
) -> PushOutcome:
    """Compute the report and send it (or, with `delete`, remove its Pushgateway group); with
    `report_file`, send that JSON report (e.g. from `deploycount merge`) instead."""
    if report_file is not None:
        if delete:
            raise UsageError("push --delete removes a repository's group: drop --report")
        config, _ = load_config(options.config_path, Path(directory))
    else:
        repo, config = open_repository(directory, options.config_path)
    settings = resolve_push_settings(
        sink=sink,
        url=url,
        headers=headers,
        timeout=timeout,
        max_retry_seconds=max_retry_seconds,
        config=config.push,
        environ=environ,
        otlp_protocol=otlp_protocol,
    )
    if report_file is not None:
        minimum = minimum_confidence(options.min_confidence, config).label
        return send_report(
            read_report(report_file), settings, min_confidence=minimum, log=log, environ=environ
        )
    report_settings = resolve_report_settings(options, config, now=utc_now())
    if delete:
        if settings.sink != "pushgateway":
            raise UsageError("push --delete works with --sink pushgateway only")
        from deploycount.sinks.pushgateway import delete_group  # noqa: PLC0415

        window = window_label((report_settings.until - report_settings.since).total_seconds())
        grouping = grouping_key(repository_name(repo, environ), report_settings.environment, window)
        url_deleted = delete_group(_client(settings, log), settings.url, grouping)
        return PushOutcome(settings, safe_url(url_deleted))
    report = one_report(
        repo, report_settings, config, options, environ=environ, progress=progress, log=log
    )
    return send_report(
        report, settings, min_confidence=report_settings.minimum.label, log=log, environ=environ
    )


def read_report(path: str, *, limit: int = 64 * 1024 * 1024) -> Report:
    """A JSON report written by `report --format json` or `merge --format json`."""
    text = read_text_file(path, label=f"--report {path}", limit=limit)
    try:
        return report_from_json(text)
    except NotAReport as error:
        raise UsageError(f"--report {path}: not a deploycount JSON report ({error})") from None


def _client(settings: PushSettings, log: Callable[[str], None] | None) -> HttpClient:
    policy = RetryPolicy(
        read_timeout=settings.timeout, max_retry_seconds=settings.max_retry_seconds
    )
    return HttpClient(policy, headers=settings.headers, log=log)


def send_report(
    report: Report,
    settings: PushSettings,
    *,
    min_confidence: str,
    log: Callable[[str], None] | None = None,
    environ: Mapping[str, str],
) -> PushOutcome:
    """Send the report to the sink. Each sink's libraries are imported only when it is used."""
    client = _client(settings, log)
    now = time.time()
    if settings.sink == "webhook":
        from deploycount.sinks.webhook import push_webhook  # noqa: PLC0415

        secret = environ.get(WEBHOOK_SECRET_ENV) or None
        register_secret(secret)
        url = push_webhook(client, settings.url, report, secret=secret)
        return PushOutcome(settings, safe_url(url))
    families = report_families(report, min_confidence=min_confidence, pushed_at=round(now, 3))
    if settings.sink == "pushgateway":
        from deploycount.sinks.pushgateway import push_pushgateway  # noqa: PLC0415

        url = push_pushgateway(client, settings.url, grouping_labels(report), families)
        return PushOutcome(settings, safe_url(url))
    from deploycount.sinks.otlp import push_otlp  # noqa: PLC0415

    url, warnings = push_otlp(
        client,
        settings.url,
        report,
        families,
        now_ns=int(now * 1e9),
        protocol=settings.otlp_protocol,
    )
    return PushOutcome(settings, safe_url(url), warnings)
