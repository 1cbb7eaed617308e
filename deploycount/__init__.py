"""deploycount: measure AI-assisted work by what ships, not by tokens burned.

    import deploycount
    report = deploycount.report(".", since="90d")   # what `deploycount report` computes
    print(report.totals.normalised_deployments)

`import deploycount` stays cheap (the commit hook and `--help` pay for every import): `report`
loads the pipeline on first use, `Report` is the JSON report as frozen dataclasses, and
`report_from_json` reads one back (it loads pydantic to check what it reads).
"""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import FrameType
    from typing import Any

    from deploycount.model import Report, report_from_json
    from deploycount.pipeline import report

__all__ = ["Report", "report", "report_from_json"]
__version__ = "0.1.0"


def main(argv: Sequence[str] | None = None) -> None:
    """The `deploycount` program. While the CLI is imported, Ctrl-C ends it at once with one
    line (nothing has started yet that would need stopping); from then on it is the ordinary
    KeyboardInterrupt, so a running git is ended with its helpers before the same line."""
    from deploycount.terminal import interrupted  # noqa: PLC0415

    try:
        signal.signal(signal.SIGINT, _interrupted_while_loading)
        try:
            from deploycount.cli import main as run  # noqa: PLC0415
        finally:
            # A signal that comes while the handler is put back is raised inside this call
            # (Python runs it after the C handler changed): it is caught below, as any later.
            signal.signal(signal.SIGINT, signal.default_int_handler)
        run(argv)
    except KeyboardInterrupt:
        interrupted()


def _interrupted_while_loading(signum: int, frame: FrameType | None) -> None:
    from deploycount.terminal import interrupted  # noqa: PLC0415

    interrupted()


def __getattr__(name: str) -> Any:
    if name == "report":
        from deploycount import pipeline  # noqa: PLC0415

        return pipeline.report
    if name in __all__:
        from deploycount import model  # noqa: PLC0415

        return getattr(model, name)
    raise AttributeError(f"module 'deploycount' has no attribute {name!r}")
