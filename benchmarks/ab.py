"""A/B: the same deploycount commands from two source trees, in interleaved rounds, on the
benchmark's synthetic repository, so that a noisy machine slows both sides alike.

    git worktree add /tmp/base <commit>
    python -m benchmarks.ab --base /tmp/base --commits 200000 --runs 5

Prints the median wall time of each command for the base tree and for this one. A script, not
a test: figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.run import HERE, iso

THIS = HERE.parent


def timed(tree: Path, args: list[str], repo: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "deploycount", *args],
        cwd=repo, env=env, stdout=subprocess.DEVNULL, check=True,
    )  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", type=Path, required=True, help="the other source tree")
    parser.add_argument("--commits", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=HERE / "work")
    options = parser.parse_args()
    repo = options.workdir / f"synthetic-{options.commits}"
    stamp = repo / ".git" / "deploycount-bench-last"
    if not stamp.exists():
        sys.exit(
            f"build the repository first: python -m benchmarks.run --commits {options.commits}"
        )
    last = int(stamp.read_text()) + 3600
    until = iso(last)
    full = ["report", "--format", "json", "--since", "2000-01-01", "--until", until]
    window = ["report", "--format", "json", "--since", iso(last - 28 * 86_400), "--until", until]
    commands = {
        "full-history report": full,
        "28-day window report": window,
        "scan of main": ["scan", "--format", "json", "main"],
    }
    trees = {"base": options.base.resolve(), "this": THIS}
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(options.runs):
        for name, args in commands.items():
            for side, tree in trees.items():
                times.setdefault((name, side), []).append(timed(tree, args, repo))
    print(f"\n{options.commits:,} commits, medians of {options.runs} interleaved rounds, "
          f"{os.cpu_count()} cores, {datetime.now(tz=UTC):%Y-%m-%d}\n")  # fmt: skip
    print("| command | base | this | this / base |")
    print("|---|---|---|---|")
    for name in commands:
        base = statistics.median(times[(name, "base")])
        this = statistics.median(times[(name, "this")])
        print(f"| {name} | {base:.2f} s | {this:.2f} s | {this / base:.3f} |")


if __name__ == "__main__":
    main()
