"""mkdocs hooks (mkdocs.yml `hooks:`). click 8.3 marks an option without a default with a
sentinel, which mkdocs-click prints as `Sentinel.UNSET`: the reference shows a dash instead."""

from __future__ import annotations

from typing import Any


def on_page_content(html: str, **_: Any) -> str:
    return html.replace("<code>Sentinel.UNSET</code>", "–").replace("Sentinel.UNSET", "–")
