"""Concurrent `record` never loses or doubles an event: 10 parallel writers in one clone, and 20
writers across clones that push, three rounds each, counted with plain git."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import GitRepo, clone, ledger_lines


def deploycount(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "deploycount", "-C", str(cwd), *args],
        env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def finish(processes: list[subprocess.Popen[str]]) -> None:
    for process in processes:
        _, errors = process.communicate(timeout=300)
        assert process.returncode == 0, errors


@pytest.mark.slow
@pytest.mark.parametrize("round_", [1, 2, 3])
def test_ten_parallel_records_in_one_clone(origin: Path, tmp_path: Path, round_: int) -> None:
    repo = clone(origin, tmp_path / "one")
    ids = [f"same-{round_}-{n}" for n in range(10)]
    finish([deploycount("record", "HEAD", "--id", event_id, cwd=repo.path) for event_id in ids])
    recorded = [line["id"] for line in ledger_lines(repo)]
    assert sorted(recorded) == sorted(ids)  # 0 lost, 0 doubled


@pytest.mark.slow
@pytest.mark.parametrize("round_", [1, 2, 3])
def test_twenty_records_across_clones_that_push(origin: Path, tmp_path: Path, round_: int) -> None:
    clones = [clone(origin, tmp_path / f"c{n}") for n in range(5)]
    ids = [f"r{round_}-c{n}-{i}" for n in range(5) for i in range(4)]
    finish([
        deploycount("record", "HEAD", "--id", event_id, "--push", "--retries", "30",
                    cwd=clones[int(event_id.split("-c")[1].split("-")[0])].path)
        for event_id in ids
    ])  # fmt: skip
    recorded = [line["id"] for line in ledger_lines(GitRepo(origin))]
    assert sorted(recorded) == sorted(ids)
