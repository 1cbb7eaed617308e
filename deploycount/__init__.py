"""deploycount: measure AI-assisted work by what ships, not by tokens burned.

`import deploycount` stays cheap (the commit hook and `--help` pay for every import):
`deploycount.Report` loads the report model, and pydantic with it, on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deploycount.model import Report

__all__ = ["Report"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name == "Report":
        from deploycount.model import Report  # noqa: PLC0415

        return Report
    raise AttributeError(f"module 'deploycount' has no attribute {name!r}")
