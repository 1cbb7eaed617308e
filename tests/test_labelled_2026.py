"""A labelled set of 3,108 real commits from 8 public repositories that are not in the shared
corpus (crush, Roo Code, Cline, entire.io's CLI and its checkpoints branch, Gemini CLI, git-ai
with its refs/notes/ai authorship notes, chaoss/disclosure, Continue), anonymised like the corpus. `scan`
on a real repository built from them must reach the precision, recall and tool accuracy below,
per repository and overall. How the labels were made: tests/data/README.md."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from tests.conftest import RunCli
from tests.test_corpus import import_rows

DATA = Path(__file__).parent / "data" / "labelled-2026.jsonl"


def rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DATA.read_text("utf-8").splitlines()]


def test_scan_on_the_labelled_2026_set(tmp_path: Path, run_cli: RunCli) -> None:
    labelled = rows()
    assert len(labelled) >= 2000 and len({r["source"].split("@")[0] for r in labelled}) >= 6
    repo = import_rows(labelled, tmp_path / "labelled")

    result = run_cli("scan", "--format", "json", cwd=repo)
    assert result.exit_code == 0, result.stderr
    scanned = list(reversed(result.json()))
    assert len(scanned) == len(labelled)

    counts: dict[str, Counter[str]] = defaultdict(Counter)
    disagreements = []
    for row, got in zip(labelled, scanned, strict=True):
        expected = row["expected"]
        tally = counts[row["source"]]
        tally["tp"] += got["ai_assisted"] and expected["ai_assisted"]
        tally["fp"] += got["ai_assisted"] and not expected["ai_assisted"]
        tally["fn"] += not got["ai_assisted"] and expected["ai_assisted"]
        if got["ai_assisted"] and expected["ai_assisted"]:
            tally["tool_ok"] += got["tools"] == expected["tools"]
        if (got["ai_assisted"], got["tools"]) != (expected["ai_assisted"], expected["tools"]):
            disagreements.append((row["source"], row["message"][:80], expected, got["tools"]))
    total: Counter[str] = Counter()
    for source, tally in counts.items():
        total.update(tally)
        assert_figures(source, tally)
    assert_figures("all", total)
    assert disagreements == []  # each one must be looked at and explained (tests/data/README.md)


def assert_figures(source: str, tally: Counter[str]) -> None:
    positives = tally["tp"] + tally["fp"]
    actual = tally["tp"] + tally["fn"]
    precision = tally["tp"] / positives if positives else 1.0
    recall = tally["tp"] / actual if actual else 1.0
    tools = tally["tool_ok"] / tally["tp"] if tally["tp"] else 1.0
    assert precision >= 0.99 and recall >= 0.95 and tools >= 0.97, (
        source,
        precision,
        recall,
        tools,
    )
