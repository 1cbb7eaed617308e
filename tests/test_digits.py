"""Digits that int() refuses: "²" (a digit to `str.isdigit`, not a decimal), and a number of
more than 4,300 digits (Python's limit on converting text to an int, which json and tomllib hit
too). Each was a crash ("unexpected ValueError ... a bug", exit 1) where the input came from
outside: the COLUMNS variable, an HTTP answer's Retry-After and x-ratelimit-reset headers, a
spend export's token counts, and a long number in the config, a team file, an events file, a
ledger line, an incidents file, a partial."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploycount.checks import digits
from deploycount.deploys.notes import parse_note
from deploycount.errors import ExternalServiceError
from deploycount.github_api import rate_limit_wait
from deploycount.http import HttpClient, RetryPolicy
from tests.conftest import GitRepo, RunCli, one_line_error
from tests.servers import Reply, scripted_server

HOSTILE = ["²", "١٢", "9" * 5000, "12 ", "-1", "1e3", ""]


def test_digits_reads_ascii_digits_only_and_never_raises() -> None:
    assert [digits(text) for text in HOSTILE] == [None] * len(HOSTILE)
    assert (digits("0"), digits("120"), digits("9" * 18), digits("9" * 19)) == (
        0, 120, 10**18 - 1, None,
    )  # fmt: skip


@pytest.mark.parametrize("width", HOSTILE)
def test_a_columns_variable_that_is_no_width_gives_the_scan_80_columns(
    repo: GitRepo, run_cli: RunCli, width: str
) -> None:
    repo.commit("feat: x\n\nCo-authored-by: Claude <noreply@anthropic.com>" + " long" * 40,
                when="2026-10-02T10:00:00Z")  # fmt: skip
    made = run_cli("scan", cwd=repo, env={"COLUMNS": width})
    assert made.exit_code == 0, made.stderr
    assert "claude" in made.stdout.lower()
    assert max(len(line) for line in made.stdout.splitlines()) <= 80


@pytest.mark.parametrize("header", ["Retry-After", "x-ratelimit-reset"])
@pytest.mark.parametrize("value", ["²", "9" * 5000])
def test_a_rate_limit_header_that_is_no_number_backs_off_as_without_it(
    header: str, value: str
) -> None:
    waits: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    limited = Reply(429, b"slow down", {header: value, "x-ratelimit-remaining": "0"})
    with scripted_server(lambda request, n: limited) as server:
        client = HttpClient(RetryPolicy(max_retry_seconds=10), sleep=sleep, clock=lambda: now[0])
        with pytest.raises(ExternalServiceError, match="failed after 5 attempt"):
            client.request("GET", server.url, what="GitHub", wait=rate_limit_wait,
                           accept=lambda response: response.status_code != 429)  # fmt: skip
    assert waits == [0.5, 1.0, 2.0, 4.0]


@pytest.mark.parametrize("cell", ["²", "9" * 5000])
def test_a_token_count_that_is_no_number_is_one_line_and_exit_2(
    repo: GitRepo, run_cli: RunCli, tmp_path: Path, cell: str
) -> None:
    repo.commit("feat: x", when="2026-10-02T10:00:00Z")
    export = tmp_path / "spend.csv"
    export.write_text(f"day,user,cost,currency,input_tokens\n2026-10-02,a@b.c,1,USD,{cell}\n")
    made = run_cli("report", "--since", "2026-10-01", "--until", "2026-10-29", "--spend",
                   f"file:{export}", cwd=repo)  # fmt: skip
    line = one_line_error(made, 2, "spend.csv:2: input_tokens:")
    assert len(line) < 200


LONG = "9" * 5000


@pytest.mark.parametrize(
    "where", ["config", "team file", "events array", "events lines", "incidents", "partial"]
)
def test_a_number_too_long_for_python_is_one_line_and_exit_2(
    repo: GitRepo, tmp_path: Path, run_cli: RunCli, where: str
) -> None:
    repo.commit("x", when="2026-10-02T10:00:00Z")
    window = ("--since", "2026-10-01", "--until", "2026-10-29")
    event = '{"id": "a", "sha": "abcd", "time": ' + LONG + "}"
    if where == "config":
        (repo.path / ".deploycount.toml").write_text(f"[privacy]\nmin_team_size = {LONG}\n")
        done, expected = run_cli("report", *window, cwd=repo), ".deploycount.toml: TOML: "
    elif where == "team file":
        (tmp_path / "teams.toml").write_text(f"[teams.a]\nsize = {LONG}\n")
        (repo.path / ".deploycount.toml").write_text(
            f'[teams]\ninclude = "{tmp_path}/teams.toml"\n'
        )
        done, expected = run_cli("report", *window, cwd=repo), "teams.toml: TOML: "
    elif where.startswith("events"):
        events = tmp_path / "events.json"
        events.write_text(f"[{event}]" if where == "events array" else event + "\n")
        done = run_cli("report", *window, "--deploys", f"file:{events}", cwd=repo)
        expected = "events.json"
    elif where == "incidents":
        incidents = tmp_path / "incidents.jsonl"
        incidents.write_text('{"id": "i", "started": ' + LONG + "}\n")
        done = run_cli("report", *window, "--incidents", str(incidents), cwd=repo)
        expected = "incidents.jsonl"
    else:
        partial = tmp_path / "partial.json"
        partial.write_text('{"schema": ' + LONG + "}")
        done, expected = run_cli("merge", str(partial), cwd=tmp_path), "partial.json"
    one_line_error(done, 2, "a number of more than 4,300 digits, which Python will not read")
    assert expected in done.stderr


def test_a_ledger_line_with_a_number_too_long_is_that_line_s_problem() -> None:
    [read] = parse_note("c0ffee", '{"id": "1", "time": ' + LONG + "}")
    assert read.record is None and str(read.problem).startswith("JSON: a number of more than")


@pytest.mark.parametrize("flag", ["--since", "--every"])
def test_a_span_of_thousands_of_digits_is_one_short_line_and_exit_2(
    repo: GitRepo, run_cli: RunCli, flag: str
) -> None:
    repo.commit("x", when="2026-10-02T10:00:00Z")
    done = run_cli("report", flag, LONG + ("d" if flag == "--since" else "w"), cwd=repo)
    line = one_line_error(done, 2, f"{flag} '999")
    assert len(line) < 250


def test_a_subject_ending_in_a_pull_request_number_of_thousands_of_digits_is_no_crash(
    repo: GitRepo, run_cli: RunCli
) -> None:
    """git's --grep matches the whole message: a commit whose body says `Merge pull request #12
    from` was found for #12, and its subject's `(#999…)` read as the number."""
    repo.commit("chore: start", when="2026-09-01T10:00:00Z")
    repo.tag("v1.0.0", annotated_at="2026-09-01T11:00:00Z")
    repo.commit(f"feat: x (#{LONG})\n\nMerge pull request #12 from dev/x\n",
                when="2026-10-03T10:00:00Z")  # fmt: skip
    repo.commit("feat: y (#12)", when="2026-10-03T11:00:00Z")
    repo.tag("v1.1.0", annotated_at="2026-10-04T10:00:00Z")
    repo.commit('Revert "feat: y (#12)" (#13)\n\nReverts acme/api#12\n',
                when="2026-10-05T10:00:00Z")  # fmt: skip
    repo.tag("v1.2.0", annotated_at="2026-10-06T10:00:00Z")
    done = run_cli("report", "--since", "2026-10-01", "--until", "2026-11-01", "--format",
                   "json", cwd=repo)  # fmt: skip
    assert done.exit_code == 0, done.stderr
    totals = done.json()["totals"]
    # feat: x counts; feat: y (#12) is reverted by the revert button's commit
    assert (totals["commits"], totals["reverted_commits"]["human"]) == (1, 1)
