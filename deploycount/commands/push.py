"""`deploycount push`: compute the report and send it to a Pushgateway, an OTLP endpoint or a
webhook, through the one retrying HTTP client."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from deploycount.commands.report import Progress, report_from_options
from deploycount.config import PushSettings, ReportOptions, resolve_push_settings
from deploycount.http import HttpClient, RetryPolicy
from deploycount.masking import register_secret, safe_url
from deploycount.model import Report
from deploycount.sinks.otlp import push_otlp
from deploycount.sinks.pushgateway import push_pushgateway
from deploycount.sinks.samples import report_samples
from deploycount.sinks.webhook import push_webhook

WEBHOOK_SECRET_ENV = "DEPLOYCOUNT_WEBHOOK_SECRET"


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
    log: Callable[[str], None] | None = None,
    progress: Progress | None = None,
) -> tuple[PushSettings, str]:
    """Compute the report and send it; returns the settings used and where it went."""
    report, config = report_from_options(directory, options, environ=environ, progress=progress)
    settings = resolve_push_settings(
        sink=sink,
        url=url,
        headers=headers,
        timeout=timeout,
        max_retry_seconds=max_retry_seconds,
        config=config.push,
        environ=environ,
    )
    return settings, send_report(report, settings, log=log, environ=environ)


def send_report(
    report: Report,
    settings: PushSettings,
    *,
    log: Callable[[str], None] | None = None,
    environ: Mapping[str, str],
) -> str:
    """Send the report to the sink; returns where it went (without credentials)."""
    policy = RetryPolicy(
        read_timeout=settings.timeout, max_retry_seconds=settings.max_retry_seconds
    )
    client = HttpClient(policy, headers=settings.headers, log=log)
    now = time.time()
    if settings.sink == "webhook":
        secret = environ.get(WEBHOOK_SECRET_ENV) or None
        register_secret(secret)
        return safe_url(push_webhook(client, settings.url, report, secret=secret))
    samples = report_samples(report, pushed_at=round(now, 3))
    if settings.sink == "pushgateway":
        return safe_url(push_pushgateway(client, settings.url, report, samples))
    return safe_url(push_otlp(client, settings.url, report, samples, now_ns=int(now * 1e9)))
