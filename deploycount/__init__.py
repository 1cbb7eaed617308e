"""deploycount: measure AI-assisted work by what ships, not by tokens burned.

    import deploycount
    report = deploycount.report(".", since="90d")   # what `deploycount report` computes
    print(report.totals.normalised_deployments)

`import deploycount` stays cheap (the commit hook and `--help` pay for every import): `report`
loads the pipeline on first use, `Report` is the JSON report as frozen dataclasses, and
`report_from_json` reads one back (it loads pydantic to check what it reads).
"""

from __future__ import annotations

import os
import signal
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import FrameType
    from typing import Any, NoReturn

    from deploycount.model import Report, report_from_json
    from deploycount.pipeline import report

__all__ = ["Report", "report", "report_from_json"]
__version__ = "0.1.0"


def main(argv: Sequence[str] | None = None) -> None:
    """The `deploycount` program. While the CLI is imported, Ctrl-C ends it at once with one
    line (nothing has started yet that would need stopping); from then on it is the ordinary
    KeyboardInterrupt, so a running git is ended with its helpers before the same line."""
    signal.signal(signal.SIGINT, _interrupted_while_loading)
    try:
        from deploycount.cli import main as run  # noqa: PLC0415
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        run(argv)
    except KeyboardInterrupt:
        interrupted()


def _interrupted_while_loading(signum: int, frame: FrameType | None) -> None:
    interrupted()


def interrupted() -> NoReturn:
    """Ctrl-C: one line and exit 130, always. Not `sys.exit`: when the signal came during an
    `exec` of generated code (dataclasses make their methods so), CPython remembers it and ends
    the process by SIGINT at exit whatever code it was given."""
    try:
        sys.stderr.write("deploycount: error: interrupted\n")
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(130)


def __getattr__(name: str) -> Any:
    if name == "report":
        from deploycount import pipeline  # noqa: PLC0415

        return pipeline.report
    if name in __all__:
        from deploycount import model  # noqa: PLC0415

        return getattr(model, name)
    raise AttributeError(f"module 'deploycount' has no attribute {name!r}")
