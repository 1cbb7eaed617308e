"""mkdocs hooks (mkdocs.yml `hooks:`): the command-line reference's Default column says the real
default. mkdocs-click prints the click parameter's own default, which is `None` (or click 8.3's
`Sentinel.UNSET`) wherever deploycount resolves the default itself (flag > file > default, in
`config.py`); the help text says it as `[default: X]`, and that is what the column shows."""

from __future__ import annotations

import re
from typing import Any

_ROW = re.compile(
    r"<tr>\s*<td>(?P<names><code>-.*?)</td>\s*<td>(?P<kind>.*?)</td>\s*<td>(?P<help>.*?)</td>"
    r"\s*<td>(?P<default>.*?)</td>\s*</tr>",
    re.DOTALL,
)
_SAID = re.compile(r"\s*\[default: (?P<value>[^\]]+)\]")
_NONE = (
    "None",
    "<code>Sentinel.UNSET</code>",
    "Sentinel.UNSET",
    "N/A",
    "<code>None</code>",
    "<code></code>",
    "``",
)


def real_default(kind: str, help_text: str, default: str) -> tuple[str, str]:
    """(the help without its `[default: …]`, the Default cell) of one option's row (HTML)."""
    said = _SAID.search(help_text)
    if said is not None:
        return _SAID.sub("", help_text).strip(), f"<code>{said['value']}</code>"
    if default.strip() in (*_NONE, "<code>False</code>"):
        return help_text, "off" if kind.strip() == "boolean" else "–"
    return help_text, default


def on_page_content(html: str, **_: Any) -> str:
    def row(match: re.Match[str]) -> str:
        help_text, default = real_default(match["kind"], match["help"], match["default"])
        return (
            f"<tr>\n<td>{match['names']}</td>\n<td>{match['kind']}</td>\n<td>{help_text}</td>"
            f"\n<td>{default}</td>\n</tr>"
        )

    return _ROW.sub(row, html).replace("Sentinel.UNSET", "–")
