"""deploycount: measure AI-assisted work by what ships, not by tokens burned.

    import deploycount
    report = deploycount.report(".", since="90d")   # what `deploycount report` computes
    print(report.totals.normalised_deployments)

`import deploycount` stays cheap (the commit hook and `--help` pay for every import): `report`
loads the pipeline on first use, `Report` is the JSON report as frozen dataclasses, and
`report_from_json` reads one back (it loads pydantic to check what it reads).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from deploycount.model import Report, report_from_json
    from deploycount.pipeline import report

__all__ = ["Report", "report", "report_from_json"]
__version__ = "0.1.0"


def main(argv: Sequence[str] | None = None) -> None:
    """The `deploycount` program. It lives here, in the module every import loads first, so
    that Ctrl-C while the CLI is still being imported ends with one line too (exit 130)."""
    try:
        from deploycount.cli import main as run  # noqa: PLC0415

        run(argv)
    except KeyboardInterrupt:
        interrupted()
    except RuntimeError as error:  # Ctrl-C while a class was made during the CLI's import
        if not isinstance(error.__cause__, KeyboardInterrupt):
            raise
        interrupted()


def interrupted() -> NoReturn:
    """Ctrl-C: one line and exit 130, always. Not `sys.exit`: when the signal came during an
    `exec` of generated code (dataclasses make their methods so), CPython remembers it and ends
    the process by SIGINT at exit whatever code it was given."""
    sys.stderr.write("deploycount: error: interrupted\n")
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(130)


def __getattr__(name: str) -> Any:
    if name == "report":
        from deploycount import pipeline  # noqa: PLC0415

        return pipeline.report
    if name in __all__:
        from deploycount import model  # noqa: PLC0415

        return getattr(model, name)
    raise AttributeError(f"module 'deploycount' has no attribute {name!r}")
