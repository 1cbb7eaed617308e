"""Golden files under tests/expected/: compare, or rewrite them on purpose with UPDATE_GOLDEN=1
(`UPDATE_GOLDEN=1 python -m pytest tests/test_render.py tests/test_comment.py`)."""

from __future__ import annotations

import os
from pathlib import Path

EXPECTED = Path(__file__).parent / "expected"


def assert_golden(name: str, text: str) -> None:
    path = EXPECTED / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with UPDATE_GOLDEN=1 to write it"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs from the golden file: if the change is meant, rerun with UPDATE_GOLDEN=1"
    )
