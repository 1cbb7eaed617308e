"""Real clients the tests run: found on PATH or beside the test's Python; in CI a missing one
fails the test instead of skipping it."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest


def required_tool(name: str, install: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not Path(found).exists():
        message = f"{name} is not installed ({install})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found
