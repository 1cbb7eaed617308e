"""Digits that `str.isdigit` lets through and int() refuses: "²" (a digit that is not a decimal),
and a number of more than 4,300 digits (Python's limit on converting text to an int). Each was a
crash ("unexpected ValueError ... a bug") where the input came from outside: the COLUMNS
variable, an HTTP answer's Retry-After and x-ratelimit-reset headers, a spend export's token
counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploycount.checks import digits
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
