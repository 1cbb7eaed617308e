"""Start-up cost: the package itself and the CLI's --help import none of the heavy libraries."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("pydantic", "requests", "prometheus_client")


@pytest.mark.parametrize(
    "code",
    [
        "import deploycount",
        "from deploycount.cli import cli",
    ],
)
def test_no_heavy_import(code: str) -> None:
    check = f"{code}; import sys; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{code!r} imported {result.stdout.strip()}"
