"""deploycount: measure AI-assisted work by what ships, not by tokens burned.

    import deploycount
    report = deploycount.report(".", since="90d")   # what `deploycount report` computes
    print(report.totals.normalised_deployments)

`import deploycount` stays cheap (the commit hook and `--help` pay for every import): `report`
loads the pipeline on first use, `Report` is the JSON report as frozen dataclasses, and
`report_from_json` reads one back (it loads pydantic to check what it reads).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deploycount.model import Report, report_from_json
    from deploycount.pipeline import report

__all__ = ["Report", "report", "report_from_json"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name == "report":
        from deploycount import pipeline  # noqa: PLC0415

        return pipeline.report
    if name in __all__:
        from deploycount import model  # noqa: PLC0415

        return getattr(model, name)
    raise AttributeError(f"module 'deploycount' has no attribute {name!r}")
