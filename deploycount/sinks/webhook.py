"""Webhook: POST the JSON report, signed with HMAC-SHA256 when a secret is set."""

from __future__ import annotations

import hashlib
import hmac

from deploycount.http import HttpClient
from deploycount.model import Report

SIGNATURE_HEADER = "X-Deploycount-Signature-256"


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def push_webhook(client: HttpClient, url: str, report: Report, *, secret: str | None) -> str:
    body = report.to_json().encode()
    headers = {"Content-Type": "application/json"}
    if secret:
        headers[SIGNATURE_HEADER] = signature(body, secret)
    client.request("POST", url, what="webhook", data=body, headers=headers)
    return url
