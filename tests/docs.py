"""The documentation the tests hold to the real parsers and clients: the README, CONTRIBUTING and
every page of the site under docs/."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").rglob("*.md"))]


def text() -> str:
    """Every page, one after the other."""
    return "\n".join(page.read_text("utf-8") for page in PAGES)


def blocks(language: str) -> list[str]:
    """The fenced code blocks of `language` in every page."""
    return re.findall(rf"^```{language}\n(.*?)^```", text(), flags=re.MULTILINE | re.DOTALL)
