"""deploycount: measure AI-assisted work by what ships, not by tokens burned.

`import deploycount` stays cheap (the commit hook and `--help` pay for every import):
`deploycount.Report` (the JSON report as frozen dataclasses) and `deploycount.report_from_json`
load the report model on first use, and the latter loads pydantic to check what it reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deploycount.model import Report, report_from_json

__all__ = ["Report", "report_from_json"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in __all__:
        from deploycount import model  # noqa: PLC0415

        return getattr(model, name)
    raise AttributeError(f"module 'deploycount' has no attribute {name!r}")
