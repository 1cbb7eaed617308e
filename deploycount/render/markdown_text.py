"""Markdown text that stays inert whatever users put in it: escaping and tables."""

from __future__ import annotations

import re

from deploycount.terminal import inert

_UNSAFE = re.compile(r"[|<>`*_\[\]\\&]|@(?=\w)")


def escape(text: str) -> str:
    """Make user-supplied text inert in Markdown: no tables broken, no HTML or entities
    (`&#64;name` would mention), no @mentions, no control characters (shown as `\\uXXXX`)."""
    text = inert(text.replace("\r", " ").replace("\n", " "))
    return _UNSAFE.sub(lambda m: "@\u200b" if m.group(0) == "@" else f"\\{m.group(0)}", text)


def table(headers: tuple[str, ...] | list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join(["---"] * len(headers)) + "|"]
    for row in rows:
        cells = [*row, *([""] * (len(headers) - len(row)))]
        out.append("| " + " | ".join(cells) + " |")
    return out
