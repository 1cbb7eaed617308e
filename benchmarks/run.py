"""Benchmark deploycount against git itself on a synthetic history built with `git fast-import`.

    python -m benchmarks.run --commits 200000 --runs 3

Prints medians of N runs, side by side:
  1. full-history `report` vs `git log --all` printing the same fields (target <= 1.5x)
  2. a 28-day window `report` vs the full-history one (target <= 10 %)
  3. peak memory (max RSS) of the full-history `report` (target <= 300 MB)
  4. `scan` of the whole history vs the same `git log` (target <= 1.5x)

It is a script, not a test: figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.synth import SynthSpec, build_synthetic
from deploycount.history.columns import LOG_FORMAT

HERE = Path(__file__).resolve().parent


@dataclass
class Measure:
    seconds: float
    max_rss_mb: float


def run_once(args: list[str], cwd: Path) -> Measure:
    """Run a command with stdout to /dev/null; its wall time and its own peak RSS (wait4)."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen(args, cwd=cwd, stdout=sink, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        assert process.stderr is not None
        raise RuntimeError(f"{' '.join(args)} failed: {process.stderr.read().decode()}")
    return Measure(elapsed, usage.ru_maxrss / 1024)


def median_of(args: list[str], cwd: Path, runs: int) -> Measure:
    results = [run_once(args, cwd) for _ in range(runs)]
    return Measure(
        statistics.median(r.seconds for r in results), max(r.max_rss_mb for r in results)
    )


def iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--commits", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=HERE / "work")
    parser.add_argument("--rebuild", action="store_true", help="build the repository again")
    options = parser.parse_args()

    repo = options.workdir / f"synthetic-{options.commits}"
    spec = SynthSpec(commits=options.commits)
    stamp = repo / ".git" / "deploycount-bench-last"
    if options.rebuild or not stamp.exists():
        shutil.rmtree(repo, ignore_errors=True)
        started = time.perf_counter()
        last = build_synthetic(repo, spec)
        stamp.write_text(str(last))
        took = time.perf_counter() - started
        print(f"built {options.commits:,} commits in {took:.1f}s", file=sys.stderr)
    last = int(stamp.read_text())

    deploycount = [sys.executable, "-m", "deploycount"]
    until = iso(last + 3600)
    full = ["report", "--format", "json", "--since", "2000-01-01", "--until", until]
    window_since = datetime.fromtimestamp(last + 3600, tz=UTC) - timedelta(days=28)
    window = [
        "report",
        "--format",
        "json",
        "--since",
        iso(int(window_since.timestamp())),
        "--until",
        until,
    ]
    git_log = ["git", "log", "--all", "-z", f"--format={LOG_FORMAT}"]
    git_log_main = ["git", "log", "main", "-z", f"--format={LOG_FORMAT}"]

    runs = options.runs
    git_all = median_of(git_log, repo, runs)
    git_all_piped = median_of(["sh", "-c", f"{shlex.join(git_log)} | cat"], repo, runs)
    report_full = median_of([*deploycount, *full], repo, runs)
    report_window = median_of([*deploycount, *window], repo, runs)
    git_main = median_of(git_log_main, repo, runs)
    scan_all = median_of([*deploycount, "scan", "--format", "json", "main"], repo, runs)

    def row(name: str, ours: float, base: float, target: str, unit: str = "x") -> str:
        ratio = ours / base if unit == "x" else 100 * ours / base
        shown = f"{ratio:.2f}x" if unit == "x" else f"{ratio:.1f} %"
        return f"| {name} | {ours:.2f} s | {base:.2f} s | {shown} | {target} |"

    git_version = subprocess.check_output(["git", "--version"]).decode().split()[-1]
    print(
        f"\nsynthetic repository: {options.commits:,} commits (+ merges, "
        f"{options.commits // spec.tag_every:,} release tags), medians of {runs} runs, "
        f"{os.cpu_count()} cores, git {git_version}, Python {sys.version.split()[0]}\n"
    )
    print("| measure | deploycount | baseline | ratio | target |")
    print("|---|---|---|---|---|")
    print(
        row(
            "full-history report vs git log --all > /dev/null",
            report_full.seconds,
            git_all.seconds,
            "<= 1.5x",
        )
    )
    print(
        row(
            "full-history report vs git log --all piped to cat",
            report_full.seconds,
            git_all_piped.seconds,
            "<= 1.5x",
        )
    )
    print(
        row(
            "28-day window report vs full report",
            report_window.seconds,
            report_full.seconds,
            "<= 10 %",
            unit="%",
        )
    )
    memory = report_full.max_rss_mb
    print(f"| peak memory (max RSS) of full report | {memory:.0f} MB | | | <= 300 MB |")
    print(
        row(
            "scan of whole history vs git log main > /dev/null",
            scan_all.seconds,
            git_main.seconds,
            "<= 1.5x",
        )
    )


if __name__ == "__main__":
    main()
