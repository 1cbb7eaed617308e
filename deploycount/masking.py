"""Secrets never reach the output: every line deploycount prints about a failure goes through
`mask`, which replaces each registered secret (header values, the webhook secret, URL passwords)
with `***`."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

_SECRETS: set[str] = set()
_MIN_LENGTH = 4  # masking "a" everywhere would only garble the output


def register_secret(value: str | None) -> None:
    if value and len(value.strip()) >= _MIN_LENGTH:
        _SECRETS.add(value.strip())
        # An Authorization header value is also printed by some libraries without its scheme.
        scheme, _, credential = value.strip().partition(" ")
        if credential and len(credential) >= _MIN_LENGTH and scheme.isalpha():
            _SECRETS.add(credential)


def mask(text: str) -> str:
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def safe_url(url: str) -> str:
    """The URL without credentials, query or fragment: what error messages may show."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
