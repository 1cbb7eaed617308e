"""Secrets never reach the output: every line deploycount prints about a failure goes through
`mask`, which replaces each registered secret (header values, the webhook secret, tokens, URL
passwords and query values, in every form they are sent in) with `***`."""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

_SECRETS: set[str] = set()
_SHORT = 4  # a shorter secret is masked only where it stands alone, or "a" would garble text
_short_pattern: re.Pattern[str] | None = None


def register_secret(value: str | None) -> None:
    global _short_pattern  # noqa: PLW0603 - one registry for the process, like the output
    if not value or not value.strip():
        return
    secret = value.strip()
    _SECRETS.add(secret)
    # An Authorization header value is also printed by some libraries without its scheme.
    scheme, _, credential = secret.partition(" ")
    if credential and scheme.isalpha():
        _SECRETS.add(credential.strip())
    short = sorted((s for s in _SECRETS if len(s) < _SHORT), key=len, reverse=True)
    _short_pattern = (
        re.compile(
            "(?<![A-Za-z0-9])(?:" + "|".join(re.escape(s) for s in short) + ")(?![A-Za-z0-9])"
        )
        if short
        else None
    )


def forget_secrets() -> None:
    """Empty the registry (each in-process run of the CLI in the tests starts clean)."""
    global _short_pattern  # noqa: PLW0603
    _SECRETS.clear()
    _short_pattern = None


def register_url_secrets(url: str) -> None:
    """A URL's password (as written and percent-decoded), the Basic credentials requests makes
    of it, and every query value (`?token=...`)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return
    if parts.password:
        for password in {parts.password, unquote(parts.password)}:
            register_secret(password)
        user = unquote(parts.username or "")
        basic = f"{user}:{unquote(parts.password)}".encode()
        register_secret(base64.b64encode(basic).decode())
    for _, value in parse_qsl(parts.query, keep_blank_values=False):
        register_secret(value)


def mask(text: str) -> str:
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if len(secret) >= _SHORT:
            text = text.replace(secret, "***")
    if _short_pattern is not None:
        text = _short_pattern.sub("***", text)
    return text


def safe_url(url: str) -> str:
    """The URL without credentials, query or fragment: what error messages may show."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "(an invalid URL)"
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if port:
        host = f"{host}:{port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
