"""`deploycount push`: flags, config and environment into one sink call."""

from __future__ import annotations

import base64
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from deploycount.config import PushSection, choose
from deploycount.errors import UsageError
from deploycount.http import HttpClient, RetryPolicy
from deploycount.masking import register_secret, safe_url
from deploycount.model import Report
from deploycount.sinks.otlp import push_otlp
from deploycount.sinks.pushgateway import push_pushgateway
from deploycount.sinks.samples import report_samples
from deploycount.sinks.webhook import push_webhook

WEBHOOK_SECRET_ENV = "DEPLOYCOUNT_WEBHOOK_SECRET"
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class PushSettings:
    sink: str
    url: str
    headers: dict[str, str]
    policy: RetryPolicy

    @classmethod
    def resolve(
        cls,
        *,
        sink: str | None,
        url: str | None,
        headers: Sequence[str] | None,
        timeout: float | None,
        max_retry_seconds: float | None,
        config: PushSection,
        environ: Mapping[str, str],
    ) -> PushSettings:
        chosen_sink = choose(sink, config.sink, None)
        if chosen_sink is None:
            raise UsageError(
                "push needs --sink pushgateway|otlp|webhook (or [push] sink in config)"
            )
        chosen_url = choose(url, config.to, None)
        if chosen_url is None:
            raise UsageError("push needs --to URL (or [push] to in config)")
        parts = urlsplit(chosen_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"--to {safe_url(chosen_url)!r} is not an http(s) URL")
        if parts.password:
            register_secret(parts.password)
            # requests sends URL credentials as Basic auth, which an echoing server repeats.
            basic = f"{parts.username or ''}:{parts.password}".encode()
            register_secret(base64.b64encode(basic).decode())
        parsed = parse_headers(choose(headers, config.headers or None, []), environ)
        default = RetryPolicy()
        policy = RetryPolicy(
            read_timeout=choose(timeout, config.timeout, default.read_timeout),
            max_retry_seconds=choose(
                max_retry_seconds, config.max_retry_seconds, default.max_retry_seconds
            ),
        )
        return cls(sink=chosen_sink, url=chosen_url, headers=parsed, policy=policy)


def parse_headers(lines: Sequence[str], environ: Mapping[str, str]) -> dict[str, str]:
    """`Name: value` lines as a dict; `${VAR}` in a value is taken from the environment, so
    tokens can stay out of config files. Every value is registered as a secret."""
    headers: dict[str, str] = {}
    for line in lines:
        name, colon, value = line.partition(":")
        name = name.strip()
        if not colon or not _HEADER_NAME.match(name):
            raise UsageError("--header must look like 'Name: value' (the value is not shown here)")

        def expand(match: re.Match[str], header: str = name) -> str:
            variable = match[1]
            if variable not in environ:
                raise UsageError(f"header {header}: environment variable {variable} is not set")
            return environ[variable]

        value = _VARIABLE.sub(expand, value.strip())
        if "\n" in value or "\r" in value:
            raise UsageError(f"header {name}: the value must be one line")
        register_secret(value)
        headers[name] = value
    return headers


def send_report(
    report: Report,
    settings: PushSettings,
    *,
    log: Callable[[str], None] | None = None,
    environ: Mapping[str, str] = os.environ,
) -> str:
    """Send the report to the sink; returns where it went (without credentials)."""
    client = HttpClient(settings.policy, headers=settings.headers, log=log)
    now = time.time()
    if settings.sink == "webhook":
        secret = environ.get(WEBHOOK_SECRET_ENV) or None
        register_secret(secret)
        return safe_url(push_webhook(client, settings.url, report, secret=secret))
    samples = report_samples(report, pushed_at=round(now, 3))
    if settings.sink == "pushgateway":
        return safe_url(push_pushgateway(client, settings.url, report, samples))
    return safe_url(push_otlp(client, settings.url, report, samples, now_ns=int(now * 1e9)))
