"""Every report of one history, in every format and mode, written to a folder: run it before and
after a refactor and compare the folders with `cmp` (or `diff -r`); a refactor that changes
no behaviour leaves them byte-identical.

    python -m benchmarks.snapshot REPO OUT [--config services.toml] [--since D --until D]

Each output is one file named for its command; a command that fails writes its stderr and exit
code instead, so a failure that changes is a difference too. The pure-Python twin is run
beside the compiled extension for the JSON report. Nothing is asserted: a script, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

_EVENT = {"pull_request": {"number": 7, "base": {"ref": "main"}}, "number": 7}


def commands(since: str, until: str) -> dict[str, list[str]]:
    window = ["--since", since, "--until", until]
    report = ["report", *window]
    return {
        "json": [*report, "--format", "json"],
        "table": [*report, "--format", "table"],
        "markdown": [*report, "--format", "markdown"],
        "openmetrics": [*report, "--format", "openmetrics"],
        "partial": [*report, "--format", "partial"],
        "every-json": [*report, "--every", "4w", "--format", "json"],
        "every-openmetrics": [*report, "--every", "4w", "--format", "openmetrics"],
        "low": [*report, "--min-confidence", "low", "--format", "json"],
        "full-json": ["report", "--since", "2000-01-01", "--until", until, "--format", "json"],
        "scan": ["scan", "-n", "400"],
        "scan-json": ["scan", "-n", "400", "--format", "json"],
        "comment": ["comment", "--dry-run", "--pr", "7", *window],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--config", type=Path, help="a config file (e.g. with [services])")
    parser.add_argument("--since", default="2025-01-01")
    parser.add_argument("--until", default="2025-07-01")
    arguments = parser.parse_args()
    arguments.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        event = Path(scratch) / "event.json"
        event.write_text(json.dumps(_EVENT))
        config = arguments.config or Path(scratch) / "empty.toml"
        if arguments.config is None:
            config.write_text("")
        env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
        env |= {
            "GITHUB_EVENT_PATH": str(event),
            "NO_COLOR": "1",
            "COLUMNS": "80",
            "DEPLOYCOUNT_PEOPLE_KEY": "snapshot-key-0123456789",
        }
        runs = {
            name: (args, env) for name, args in commands(arguments.since, arguments.until).items()
        }
        pure = env | {"DEPLOYCOUNT_PURE_PYTHON": "1"}
        runs["pure-json"] = (runs["json"][0], pure)
        for name, (args, run_env) in runs.items():
            full = [sys.executable, "-m", "deploycount", *args, "--config", str(config.resolve())]
            done = subprocess.run(full, cwd=arguments.repo, env=run_env, capture_output=True,
                                  check=False)  # fmt: skip
            text = (
                done.stdout
                if done.returncode == 0
                else done.stderr + b"\nexit %d\n" % (done.returncode)
            )
            (arguments.out / name).write_bytes(text)
            print(f"{name}: exit {done.returncode}, {len(text)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
