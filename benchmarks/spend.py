"""Spend beside the report: a year of daily exports for 2,000 people (730,000 records) read and
mapped to teams, timed beside the report itself and beside `git log`, in interleaved rounds.

    python -m benchmarks.spend --users 2000 --days 365 --rounds 3

The exports are written once under benchmarks/work/spend-USERSxDAYS/: the Claude Code
analytics report as JSONL (one record per person per day, one model each, as the API gives
them) and the same spend in the generic CSV. Each round runs, in one process each (wall time
and peak memory from /usr/bin/time):

  - the report of the 200,000-commit synthetic history's last year, without spend;
  - the same report with --spend claude-code:FILE, and with --spend file:CSV;
  - `git log` over the same history, as the yardstick;
  - the floor under the spend: each export only parsed, line by line, with the parser the
    report uses (pydantic's from_json, the csv module), in a process of its own;
  - above it, the least a reader must do with each record with none of the report's checks
    (team, duplicate key, exact sums), written for these exports' shape only.

The spend's own cost is the difference between the report with and without it; a floor's is
its whole run (the interpreter's start included). A script, not
a test: figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks.run import HERE
from benchmarks.speed import _repository

TIME = "/usr/bin/time"
# The floor under the spend's cost: each export parsed line by line with the parser the report
# uses, each record dropped (no checks, no teams, no sums), in a process of its own.
PARSE_JSONL = """
import sys
from pydantic_core import from_json
with open(sys.argv[1], "rb") as lines:
    for line in lines:
        from_json(line)
"""
PARSE_CSV = """
import csv, sys
with open(sys.argv[1], newline="") as text:
    for row in csv.reader(text):
        pass
"""
# Above that floor, the least a reader must do with each record, with none of the report's checks:
# its team (looked up once per person), its key and figures hashed for duplicates, its exact cost
# and tokens added to its team's day. Written for these exports' shape only.
UNCHECKED_JSONL = """
import sys
from pydantic_core import from_json
seen, cells, teams = {}, {}, {}
with open(sys.argv[1], "rb") as lines:
    for line in lines:
        record = from_json(line)
        user, day = record["actor"]["email_address"], record["date"][:10]
        team = teams.get(user) or teams.setdefault(user, user.split("@")[1])
        for part in record["model_breakdown"]:
            tokens, cost = part["tokens"], part["estimated_cost"]["amount"] * 10_000
            figures = (cost, tokens["input"], tokens["output"], tokens["cache_read"],
                       sum(tokens["cache_creation"].values()))
            if seen.setdefault(hash((day, user, part["model"])), hash(figures)) != hash(figures):
                sys.exit("conflict")
            cell = cells.get((team, day)) or cells.setdefault((team, day), [0] * 5)
            for index, value in enumerate(figures):
                cell[index] += value
"""
UNCHECKED_CSV = """
import csv, sys
seen, cells, teams = {}, {}, {}
with open(sys.argv[1], newline="") as text:
    rows = csv.reader(text)
    next(rows)
    for day, user, model, tokens_in, tokens_out, reads, writes, cost, unit in rows:
        team = teams.get(user) or teams.setdefault(user, user.split("@")[1])
        whole, _, fraction = cost.partition(".")
        micro = int(whole) * 1_000_000 + int(fraction.ljust(6, "0"))
        figures = (micro, int(tokens_in), int(tokens_out), int(reads), int(writes))
        if seen.setdefault(hash((day, user, model)), hash(figures)) != hash(figures):
            sys.exit("conflict")
        cell = cells.get((team, day)) or cells.setdefault((team, day), [0] * 5)
        for index, value in enumerate(figures):
            cell[index] += value
"""


def exports(users: int, days: int, end: date) -> tuple[Path, Path, Path]:
    """(folder, claude-code JSONL, generic CSV), written once."""
    folder = HERE / "work" / f"spend-{users}x{days}"
    jsonl, table = folder / "claude-code.jsonl", folder / "generic.csv"
    if jsonl.exists() and table.exists():
        return folder, jsonl, table
    folder.mkdir(parents=True, exist_ok=True)
    start = end - timedelta(days=days)
    with jsonl.open("w") as cc, table.open("w") as csv:
        csv.write("day,user,model,input_tokens,output_tokens,cache_read_tokens,"
                  "cache_write_tokens,cost,currency\n")  # fmt: skip
        for offset in range(days):
            day = (start + timedelta(days=offset)).isoformat()
            for user in range(users):
                email = f"dev{user}@team{user % 20}.example.com"
                cents = 100 + (user * 7 + offset * 13) % 900
                tokens = {"input": 1000 + user, "output": 2000 + offset, "cache_read": 30000,
                          "cache_creation": {"ephemeral_5m_input_tokens": 400,
                                             "ephemeral_1h_input_tokens": 100}}  # fmt: skip
                record = {
                    "date": f"{day}T00:00:00Z",
                    "actor": {"type": "user_actor", "email_address": email},
                    "organization_id": "org", "customer_type": "api", "terminal_type": "vscode",
                    "core_metrics": {"num_sessions": 2, "commits_by_claude_code": 1},
                    "model_breakdown": [{"model": "claude-sonnet-4-5", "tokens": tokens,
                                         "estimated_cost": {"currency": "USD", "amount": cents}}],
                }  # fmt: skip
                cc.write(json.dumps(record) + "\n")
                csv.write(f"{day},{email},claude-sonnet-4-5,{1000 + user},{2000 + offset},30000,"
                          f"500,{cents / 100:.2f},USD\n")  # fmt: skip
    return folder, jsonl, table


def run(command: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak resident KiB of one run."""
    timed = subprocess.run(
        [TIME, "-f", "%e %M", *command], cwd=cwd, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, check=True,
    )  # fmt: skip
    seconds, kib = timed.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(kib)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--commits", type=int, default=200_000)
    arguments = parser.parse_args()
    repo, last = _repository(arguments.commits, HERE / "work")
    end = datetime.fromtimestamp(last, UTC).date() + timedelta(days=1)
    folder, jsonl, table = exports(arguments.users, arguments.days, end)
    config = folder / "teams.toml"
    config.write_text("".join(
        f'[teams.team{n}]\nmembers = ["*@team{n}.example.com"]\n' for n in range(20)
    ))  # fmt: skip
    since = (end - timedelta(days=arguments.days)).isoformat()
    report = [sys.executable, "-m", "deploycount", "report", "--since", since, "--until",
              end.isoformat(), "--config", str(config), "--format", "json",
              "--output", "/dev/null"]  # fmt: skip
    commands = {
        "git log --all (the history)": ["git", "log", "--all", "--format=%H %P %ae %s"],
        "report, no spend": report,
        "report + claude-code JSONL": [*report, "--spend", f"claude-code:{jsonl}"],
        "report + generic CSV": [*report, "--spend", f"file:{table}"],
        "floor: parse the JSONL": [sys.executable, "-c", PARSE_JSONL, str(jsonl)],
        "floor: parse the CSV": [sys.executable, "-c", PARSE_CSV, str(table)],
        "floor: unchecked sums, JSONL": [sys.executable, "-c", UNCHECKED_JSONL, str(jsonl)],
        "floor: unchecked sums, CSV": [sys.executable, "-c", UNCHECKED_CSV, str(table)],
    }
    samples: dict[str, list[tuple[float, int]]] = {name: [] for name in commands}
    for _ in range(arguments.rounds):
        for name, command in commands.items():
            samples[name].append(run(command, repo))
    records = arguments.users * arguments.days
    print(f"{records:,} spend records ({arguments.users:,} people x {arguments.days} days), "
          f"{arguments.commits:,} commits; medians of {arguments.rounds} rounds")  # fmt: skip
    base_wall = statistics.median(w for w, _ in samples["report, no spend"])
    base_memory = statistics.median(m for _, m in samples["report, no spend"])
    print(f"{'command':32} {'wall':>8} {'peak RSS':>10} {'spend adds':>22}")
    for name, values in samples.items():
        seconds = statistics.median(w for w, _ in values)
        kib = statistics.median(m for _, m in values)
        extra = ""
        if name.startswith("report +"):
            extra = f"{seconds - base_wall:+.2f} s, {(kib - base_memory) / 1024:+.0f} MB"
        print(f"{name:32} {seconds:7.2f}s {kib / 1024:8.0f} MB {extra:>22}")
    for path in (jsonl, table):
        print(f"  {path.name}: {path.stat().st_size / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
