"""What it cost (issue 39): the providers' exports read field for field as their documentation
gives them (tests/data/spend), spend mapped to teams and never to people, per deploy and per
AI-assisted deploy, across periods and repositories, and every bad export refused in one line.
Every figure is worked out by hand in the comments."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from deploycount.checks import Invalid
from deploycount.spend import SpendTable, formats, parse_spec
from deploycount.spend.formats import MICRO
from tests.conftest import CliResult, GitRepo, RunCli, make_repo, one_line_error

DATA = Path(__file__).parent / "data" / "spend"
ANN, BOB = "Ann <ann@pay.example>", "Bob <bob@web.example>"
WINDOW = ("--since", "2026-10-01", "--until", "2026-10-08")
CONFIG = """
[teams.pay]
members = ["ann@pay.example"]
[teams.web]
members = ["bob@web.example", "@bob-w"]
[privacy]
min_team_size = 1
[spend]
team_of = { "ci-review-bot" = "web", "wrkspc_pay" = "pay", "proj_web" = "web" }
"""
SOURCES = [
    f"claude-code:{DATA / 'claude-code.json'}", f"anthropic-cost:{DATA / 'anthropic-cost.json'}",
    f"openai-costs:{DATA / 'openai-costs.json'}", f"copilot:{DATA / 'copilot.ndjson'}",
    f"file:{DATA / 'generic.jsonl'}",
]  # fmt: skip


def history(repo: GitRepo) -> None:
    """v1 (1 October) is the baseline; v2 ships Ann's commit, v3 Bob's AI-assisted one."""
    repo.commit("chore: start", author=ANN, when="2026-09-30T09:00:00Z")
    repo.tag("v1", annotated_at="2026-10-01T09:00:00Z")
    repo.commit("feat: pay", author=ANN, when="2026-10-02T09:00:00Z", file="pay.txt")
    repo.tag("v2", annotated_at="2026-10-02T12:00:00Z")
    repo.commit("feat: web\n\nCo-Authored-By: Claude <noreply@anthropic.com>", author=BOB,
                when="2026-10-04T09:00:00Z", file="web.txt")  # fmt: skip
    repo.tag("v3", annotated_at="2026-10-04T12:00:00Z")


def spend_args(*sources: str) -> list[str]:
    return [part for source in sources for part in ("--spend", source)]


# -- each provider's format ---------------------------------------------------------------------


def usages(reader: str, path: str) -> list[formats.Usage]:
    from deploycount.spend import readers
    from deploycount.spend.files import read_records

    read = readers(round(0.04 * MICRO))[reader]
    return [
        u for _, record in read_records(DATA / path, path, csv_rows=False) for u in read(record)
    ]


def test_the_claude_code_analytics_report() -> None:
    """Cents: 98,765 is $987.65, "16.5" is $0.165; cache writes add the 5-minute and 1-hour
    parts (400 + 100); an API key's record goes by its name."""
    found = usages("claude-code", "claude-code.json")
    assert [(u.person, u.key, u.cost, u.tokens) for u in found] == [
        ("ann@pay.example", "", 987_650_000, (1000, 2000, 30000, 500)),
        ("ann@pay.example", "", 165_000, (10, 20, 0, 0)),
        ("", "ci-review-bot", 5_000_000, (500, 100, 0, 0)),
    ]
    assert {str(u.day) for u in found} == {"2026-10-02"}


def test_the_anthropic_cost_report_openai_costs_copilot_and_the_generic_format() -> None:
    # "250.00" cents is $2.50; the default workspace (null) is "default"
    cost = usages("anthropic-cost", "anthropic-cost.json")
    assert [(u.key, u.cost, str(u.day)) for u in cost] == [
        ("wrkspc_pay", 2_500_000, "2026-10-03"), ("default", 755_000, "2026-10-03"),
    ]  # fmt: skip
    # dollars, and 1791072000 is 4 October 00:00 UTC; "usd" is USD
    openai = usages("openai-costs", "openai-costs.json")
    assert [(u.key, u.cost, u.currency, str(u.day)) for u in openai] == [
        ("proj_web", 1_250_000, "USD", "2026-10-04"), ("proj_web", 500_000, "USD", "2026-10-04"),
    ]  # fmt: skip
    # 25 AI credits at $0.04 are $1.00; the CLI's prompt and output tokens
    copilot = usages("copilot", "copilot.ndjson")
    assert [(u.person, u.cost, u.tokens) for u in copilot] == [
        ("@bob-w", 1_000_000, (3800, 5000, 0, 0)), ("@carol", 0, (0, 0, 0, 0)),
    ]  # fmt: skip
    generic = usages("file", "generic.jsonl")
    assert [(u.person, u.cost, str(u.day)) for u in generic] == [
        ("ann@pay.example", 3_333_300, "2026-10-06"), ("ann@pay.example", 9_990_000, "2026-09-06"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("reader", "record", "fragment"),
    [
        ("file", {"day": "2026-10-01", "user": "a@b", "cost": "-1", "currency": "USD"},
         "cost: is negative"),
        ("file", {"day": "2026-10-01", "user": "a@b", "cost": "2e12", "currency": "USD"},
         "cost: is more than a billion"),
        ("file", {"day": "2026-10-01", "user": "a@b", "cost": "NaN", "currency": "USD"},
         "cost: 'NaN' is not an amount"),
        ("file", {"day": "2026-10-01", "user": "a@b", "cost": "1", "currency": "dollars"},
         "currency: 'DOLLARS' is not an ISO 4217"),
        ("file", {"day": "yesterday", "user": "a@b", "cost": "1", "currency": "USD"},
         "day: 'yesterday' is not a date"),
        ("file", {"day": "2026-10-01", "user": "a@b", "key": "k", "cost": "1", "currency": "USD"},
         "user: give exactly one of user"),
        ("file", {"day": "2026-10-01", "user": "a@b", "cost": "1", "currency": "USD", "x": 1},
         "x: is not a field"),
        ("claude-code", {"date": "2026-10-01", "actor": {"type": "robot"}}, "actor.type: must be"),
        ("claude-code", {"date": "2026-10-01", "actor": {"type": "api_actor", "api_key_name": "k"},
                         "model_breakdown": [{"model": "m"}, {"tokens": {"input": 1.5}}]},
         "model_breakdown.1.tokens.input: must be a whole number"),
        ("claude-code", {"date": "2026-10-01", "actor": {"type": "api_actor", "api_key_name": "k"},
                         "model_breakdown": ["m"]}, "model_breakdown.0: must be an object"),
        ("claude-code", {"date": "2026-10-01", "actor": {"type": "api_actor", "api_key_name": "k"},
                         "model_breakdown": [{"tokens": {"cache_creation": {"x": -1}}}]},
         "model_breakdown.0.tokens.cache_creation: -1 is not a number of tokens"),
        ("openai-costs", {"start_time": "soon", "results": []}, "start_time: must be a Unix time"),
        ("copilot", {"day": "2026-10-01", "user_login": "x", "ai_credits_used": -3},
         "ai_credits_used: is negative"),
    ],
)  # fmt: skip
def test_a_record_that_does_not_fit_is_refused_naming_its_field(
    reader: str, record: dict[str, object], fragment: str
) -> None:
    from deploycount.spend import readers

    with pytest.raises(Invalid) as raised:
        list(readers(40_000)[reader](record))
    assert fragment in str(raised.value)


def test_duplicates_count_once_and_conflicts_are_refused_without_the_figures() -> None:
    from datetime import date

    table = SpendTable(date(2026, 10, 1), date(2026, 10, 8))
    row = {"day": "2026-10-02", "user": "ann@pay.example", "model": "m", "cost": "12.34",
           "currency": "USD"}  # fmt: skip
    for usage in [*formats.generic(row), *formats.generic(row)]:
        table.add(usage, "pay")
    week = (date(2026, 10, 1), date(2026, 10, 8))
    assert (table.read, table.duplicates, table.total(None, *week)[0]) == (1, 1, 12_340_000)
    [other] = formats.generic({**row, "cost": "99.99"})
    with pytest.raises(Invalid) as raised:
        table.add(other, "pay")
    assert "with other figures" in str(raised.value) and "99.99" not in str(raised.value)
    assert "12.34" not in str(raised.value)


# -- the whole report ---------------------------------------------------------------------------


@pytest.fixture
def spent(repo: GitRepo, tmp_path: Path) -> tuple[GitRepo, Path]:
    history(repo)
    config = tmp_path / "deploycount.toml"
    config.write_text(CONFIG)
    return repo, config


def test_spend_per_team_per_deploy_and_in_total(
    spent: tuple[GitRepo, Path], run_cli: RunCli
) -> None:
    """pay: Ann's Claude Code $987.815, workspace wrkspc_pay $2.50, the generic $3.3333 =
    $993.6483; web: the review bot's key $5.00, project proj_web $1.75, Bob's 25 Copilot
    credits $1.00 = $7.75; unassigned: the default workspace $0.755 (Carol's 0 credits too).
    Total $1,002.1533 over 2 deploys (v1 is the baseline), both teams' one each."""
    repo, config = spent
    made = run_cli("report", *WINDOW, "--config", str(config), *spend_args(*SOURCES),
                   "--format", "json", cwd=repo)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    spend = made.json()["spend"]
    assert spend["currency"] == "USD"
    assert spend["total"]["spend"] == pytest.approx(1002.1533)
    assert spend["total"]["per_deploy"] == pytest.approx(1002.1533 / 2, abs=1e-4)
    assert spend["total"]["per_ai_deploy"] == pytest.approx(1002.1533, abs=1e-4)  # v3 only
    pay, web = spend["by_team"]["pay"], spend["by_team"]["web"]
    assert (pay["spend"], pay["per_deploy"], pay["per_ai_deploy"]) == (
        pytest.approx(993.6483), pytest.approx(993.6483), None,
    )  # fmt: skip
    assert pay["tokens"] == {"input": 1110, "output": 2070, "cache_read": 30000, "cache_write": 500}
    assert (web["spend"], web["per_ai_commit"]) == (pytest.approx(7.75), pytest.approx(7.75))
    assert web["tokens"] == {"input": 4300, "output": 5100, "cache_read": 0, "cache_write": 0}
    assert spend["by_team"]["unassigned"]["spend"] == pytest.approx(0.755)
    # 3 Claude Code rows, 2 cost items, 2 OpenAI items, 2 Copilot users, 1 generic row; the
    # generic row of 6 September is outside the window
    assert (spend["records"], spend["duplicates"], spend["outside_window"]) == (10, 0, 1)


def test_no_output_holds_a_persons_spend(
    spent: tuple[GitRepo, Path], run_cli: RunCli, tmp_path: Path
) -> None:
    """Ann's one Claude Code record ($987.65, 98,765 cents) is hers alone: it is in her team's
    figure and nowhere on its own, in any format, nor on stderr with --debug."""
    repo, config = spent
    outputs = []
    for fmt in ("table", "json", "markdown", "openmetrics"):
        made = run_cli("--debug", "report", *WINDOW, "--config", str(config),
                       *spend_args(*SOURCES), "--format", fmt, cwd=repo)  # fmt: skip
        assert made.exit_code == 0, made.stderr
        outputs += [made.stdout, made.stderr]
    every = run_cli("report", "--since", "2026-09-24", "--until", "2026-10-08", "--every", "1w",
                    "--config", str(config), *spend_args(*SOURCES), "--format", "json", cwd=repo)  # fmt: skip
    outputs.append(every.stdout)
    text = "\n".join(outputs)
    assert "993.65" in text or "993.6483" in text  # the team's figure is there
    for figure in ("987.65", "98765", "98,765", "987.815", "987.82", "0.165"):
        assert figure not in text, figure
    assert "ann@pay.example" not in text


def test_the_table_markdown_and_metrics_show_it(
    spent: tuple[GitRepo, Path], run_cli: RunCli
) -> None:
    repo, config = spent
    table = run_cli("report", *WINDOW, "--config", str(config), *spend_args(*SOURCES), cwd=repo)
    assert "AI spend: USD 1,002.15" in table.stdout
    assert "pay USD 993.65 (USD 993.65 per deploy)" in re.sub(r"\s+", " ", table.stdout)
    assert all(len(line) <= 80 for line in table.stdout.splitlines())
    markdown = run_cli("report", *WINDOW, "--config", str(config), *spend_args(*SOURCES),
                       "--format", "markdown", cwd=repo)  # fmt: skip
    assert "| AI spend | USD 1,002.15 (" in markdown.stdout
    metrics = run_cli("report", *WINDOW, "--config", str(config), *spend_args(*SOURCES),
                      "--format", "openmetrics", cwd=repo)  # fmt: skip
    assert re.search(
        r'deploycount_spend\{currency="USD",[^}]*team="pay"[^}]*\} 993\.6483', metrics.stdout
    )
    assert re.search(
        r'deploycount_spend_tokens\{[^}]*kind="cache_read"[^}]*team="pay"[^}]*\} 30000',
        metrics.stdout,
    )


def test_without_a_spend_source_nothing_changes(
    spent: tuple[GitRepo, Path], run_cli: RunCli
) -> None:
    repo, config = spent
    made = run_cli("report", *WINDOW, "--config", str(config), "--format", "json", cwd=repo)
    assert made.json()["spend"] is None
    table = run_cli("report", *WINDOW, "--config", str(config), cwd=repo)
    assert "spend" not in table.stdout.lower()


def test_spend_rising_faster_than_deploys_is_said(
    repo: GitRepo, run_cli: RunCli, tmp_path: Path
) -> None:
    """Week 1 (24 Sep - 1 Oct): one deploy, $10; week 2: one deploy, $18: +80 % against 0 %
    more deploys: the line says so, for the second week only."""
    repo.commit("chore: start", author=ANN, when="2026-09-20T09:00:00Z")
    repo.tag("v0", annotated_at="2026-09-21T09:00:00Z")
    repo.commit("feat: one", author=ANN, when="2026-09-25T09:00:00Z")
    repo.tag("v1", annotated_at="2026-09-26T09:00:00Z")
    repo.commit("feat: two", author=ANN, when="2026-10-02T09:00:00Z")
    repo.tag("v2", annotated_at="2026-10-03T09:00:00Z")
    export = tmp_path / "spend.csv"
    export.write_text(
        "day,user,cost,currency\n2026-09-25,ann@pay.example,10,USD\n"
        "2026-10-02,ann@pay.example,18,USD\n"
    )
    config = tmp_path / "c.toml"
    config.write_text(CONFIG)
    made = run_cli("report", "--since", "2026-09-24", "--until", "2026-10-08", "--every", "1w",
                   "--config", str(config), "--spend", f"file:{export}", "--format", "json",
                   cwd=repo)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    first, second = made.json()
    assert first["spend"]["total"]["spend"] == 10 and second["spend"]["total"]["spend"] == 18
    assert (second["spend"]["total"]["change"], second["spend"]["total"]["deploys_change"]) == (
        0.8,
        0.0,
    )
    rising = [w for w in second["warnings"] if w.startswith("spend +80 %")]
    assert rising == [
        "spend +80 % over the previous period of the same length, deploys +0 %: the AI spend "
        "grows faster than what ships"
    ]
    assert not [w for w in first["warnings"] if w.startswith("spend ")]


def test_across_repositories_spend_counts_once(run_cli: RunCli, tmp_path: Path) -> None:
    """Three repositories, one export: each repository's partial carries no spend (given to
    one, it is refused); merge adds the export once: $30, not $90."""
    key = {"DEPLOYCOUNT_PEOPLE_KEY": "correct horse battery staple, 2026"}
    export = tmp_path / "org.csv"
    export.write_text("day,user,cost,currency\n2026-10-02,ann@pay.example,30,USD\n")
    config = tmp_path / "c.toml"
    config.write_text(CONFIG)
    parts = []
    for name in ("api", "web", "ops"):
        repo = make_repo(tmp_path / name)
        history(repo)
        refused = run_cli("report", *WINDOW, "--format", "partial", "--spend", f"file:{export}",
                          cwd=repo, env=key)  # fmt: skip
        one_line_error(refused, 2, "give it to deploycount merge")
        made = run_cli("report", *WINDOW, "--format", "partial", "--config", str(config),
                       cwd=repo, env=key)  # fmt: skip
        assert made.exit_code == 0, made.stderr
        parts.append(tmp_path / f"{name}.json")
        parts[-1].write_text(made.stdout)
    merged = run_cli("merge", *map(str, parts), "--config", str(config), "--spend",
                     f"file:{export}", "--format", "json", cwd=tmp_path)  # fmt: skip
    assert merged.exit_code == 0, merged.stderr
    report = merged.json()
    assert report["totals"]["deployments"] == 6  # 2 in each repository
    assert report["spend"]["total"]["spend"] == 30
    assert report["spend"]["total"]["per_deploy"] == 5.0
    assert report["spend"]["by_team"]["pay"]["spend"] == 30


# -- bad exports --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "suffix", "fragment"),
    [
        ('{"day": "2026-10-02", "user": "a@b.c", "cost": "1", "currency": "USD"}\n{not json\n',
         ".jsonl", "x.jsonl:2: not valid JSON"),
        ("day,user,cost,currency\n2026-10-02,a@b.c,-5,USD\n", ".csv", "x.csv:2: cost: is negative"),
        ("day,user,cost\n2026-10-02,a@b.c,5,USD,extra\n", ".csv", "x.csv:2: more cells"),
        ("when,user,cost\n", ".csv", "x.csv:1: the header must name"),
        ('{"day": "2026-10-02", "user": "a@b.c", "cost": "1", "currency": "USD"}\n'
         '{"day": "2026-10-03", "user": "a@b.c", "cost": "1", "currency": "EUR"}\n', ".jsonl",
         "x.jsonl:2: currency: EUR beside USD"),
        ('{"day": "2026-10-02", "user": "a@b.c", "cost": "1", "currency": "USD"}\n'
         '{"day": "2026-10-02", "user": "a@b.c", "cost": "2", "currency": "USD"}\n', ".jsonl",
         "x.jsonl:2: record: repeats an earlier record"),
        ("\xff\xfe", ".jsonl", "not UTF-8"),
        ('{"day": "2026-10-02", "user": "a@b.c", "cost": "1", "currency": "USD"}\n'
         '{"day": "2026-10-02", "user": "\xff@b.c", "cost": "1", "currency": "USD"}\n', ".jsonl",
         "x.jsonl:2: not UTF-8"),
    ],
)  # fmt: skip
def test_a_bad_export_is_one_line_and_exit_2(
    spent: tuple[GitRepo, Path], run_cli: RunCli, tmp_path: Path, content: str, suffix: str,
    fragment: str,
) -> None:  # fmt: skip
    repo, config = spent
    export = tmp_path / f"x{suffix}"
    export.write_bytes(content.encode("latin-1") if "\xff" in content else content.encode())
    made = run_cli(
        "report", *WINDOW, "--config", str(config), "--spend", f"file:{export}", cwd=repo
    )
    line = one_line_error(made, 2, fragment)
    assert "a@b.c" not in line or "record" not in line


def test_huge_and_odd_files_are_refused_before_they_are_read_whole(
    spent: tuple[GitRepo, Path], run_cli: RunCli, tmp_path: Path
) -> None:
    repo, config = spent
    long_line = tmp_path / "long.jsonl"
    with long_line.open("wb") as handle:
        handle.truncate(16 * 1024 * 1024 + 10)  # sparse: one line of NUL bytes
    made = run_cli("report", *WINDOW, "--config", str(config), "--spend", f"file:{long_line}",
                   cwd=repo)  # fmt: skip
    one_line_error(made, 2, "long.jsonl:1: a line longer than 16 MiB")
    for spec, fragment in (("file:/dev/zero", "not a regular file"),
                           (f"file:{tmp_path / 'none.csv'}", "no such file"),
                           ("cursor:x.csv", "expected KIND:FILE")):  # fmt: skip
        one_line_error(run_cli("report", "--spend", spec, cwd=repo), 2, fragment)


def test_a_team_of_that_names_no_team_is_refused(
    spent: tuple[GitRepo, Path], run_cli: RunCli, tmp_path: Path
) -> None:
    repo, config = spent
    config.write_text(CONFIG.replace('"proj_web" = "web"', '"proj_web" = "webb"'))
    made = run_cli("report", *WINDOW, "--config", str(config), *spend_args(*SOURCES), cwd=repo)
    one_line_error(made, 2, "'proj_web' goes to team 'webb'")


def test_the_spec_forms() -> None:
    assert parse_spec("claude-code").path is None
    assert parse_spec("copilot:users.ndjson").path == "users.ndjson"
    assert parse_spec("file:C:/spend.csv").path == "C:/spend.csv"


# -- the providers' APIs, as real servers on 127.0.0.1 -------------------------------------------


def _page(data: Sequence[object], following: str | None) -> bytes:
    return json.dumps({"data": data, "has_more": following is not None,
                       "next_page": following}).encode()  # fmt: skip


def test_the_claude_code_api_day_by_day_and_page_by_page(
    spent: tuple[GitRepo, Path], run_cli: RunCli
) -> None:
    """One request per day of the window (7), the 2nd of October in two pages; the admin key
    is sent to Anthropic and never printed; a 500 is retried."""
    from tests.servers import Exchange, Reply, scripted_server

    repo, config = spent
    records = json.loads((DATA / "claude-code.json").read_text())["data"]

    def script(request: Exchange, number: int) -> Reply:
        if number == 1:
            return Reply(500, b"{}")
        assert request.headers["x-api-key"] == "sk-ant-admin-secret-key"
        assert request.headers["anthropic-version"] == "2023-06-01"
        query = parse_qs(urlsplit(request.path).query)
        if query["starting_at"] != ["2026-10-02"]:
            return Reply(body=_page([], None))
        if "page" not in query:
            return Reply(body=_page(records[:1], "cursor-2"))
        assert query["page"] == ["cursor-2"]
        return Reply(body=_page(records[1:], None))

    with scripted_server(script) as server:
        env = {"ANTHROPIC_ADMIN_KEY": "sk-ant-admin-secret-key", "ANTHROPIC_BASE_URL": server.url}
        made = run_cli("--debug", "report", *WINDOW, "--config", str(config), "--spend",
                       "claude-code", "--format", "json", cwd=repo, env=env)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    days = sorted({parse_qs(urlsplit(e.path).query)["starting_at"][0] for e in server.received})
    # the window's days, and the week before's (what the spend is compared with)
    assert days == [f"2026-09-{d}" for d in range(24, 31)] + [f"2026-10-0{d}" for d in range(1, 8)]
    spend = made.json()["spend"]
    assert spend["by_team"]["pay"]["spend"] == pytest.approx(987.815)
    assert spend["by_team"]["web"]["spend"] == pytest.approx(5.0)
    assert "sk-ant-admin-secret-key" not in made.stdout + made.stderr


def test_the_openai_costs_api_and_a_cursor_that_comes_back(
    spent: tuple[GitRepo, Path], run_cli: RunCli
) -> None:
    from tests.servers import Exchange, Reply, scripted_server

    repo, config = spent
    buckets = json.loads((DATA / "openai-costs.json").read_text())["data"]

    def good(request: Exchange, number: int) -> Reply:
        assert request.headers["Authorization"] == "Bearer sk-admin-openai"
        query = parse_qs(urlsplit(request.path).query)
        assert query["bucket_width"] == ["1d"] and query["group_by[]"] == [
            "project_id",
            "line_item",
        ]
        return Reply(body=_page(buckets, None) if number == 1 else b"{}")

    with scripted_server(good) as server:
        env = {"OPENAI_ADMIN_KEY": "sk-admin-openai", "OPENAI_BASE_URL": server.url}
        made = run_cli("report", *WINDOW, "--config", str(config), "--spend", "openai-costs",
                       "--format", "json", cwd=repo, env=env)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert made.json()["spend"]["by_team"]["web"]["spend"] == pytest.approx(1.75)

    def looping(request: Exchange, number: int) -> Reply:
        return Reply(body=_page(buckets, "same-cursor"))

    with scripted_server(looping) as server:
        env = {"OPENAI_ADMIN_KEY": "sk-admin-openai", "OPENAI_BASE_URL": server.url}
        made = run_cli("report", *WINDOW, "--config", str(config), "--spend", "openai-costs",
                       cwd=repo, env=env)  # fmt: skip
    one_line_error(made, 1, "gave no new cursor")

    def broken(request: Exchange, number: int) -> Reply:
        bad = [{"start_time": 1791072000, "results": [{"amount": {"value": "lots",
                                                                   "currency": "usd"}}]}]  # fmt: skip
        return Reply(body=_page(bad, None))

    with scripted_server(broken) as server:
        env = {"OPENAI_ADMIN_KEY": "sk-admin-openai", "OPENAI_BASE_URL": server.url}
        made = run_cli("report", *WINDOW, "--config", str(config), "--spend", "openai-costs",
                       cwd=repo, env=env)  # fmt: skip
    one_line_error(made, 1, "the openai-costs API's answer", "'lots' is not an amount")
    missing = run_cli(
        "report", *WINDOW, "--spend", "openai-costs", cwd=repo, env={"OPENAI_ADMIN_KEY": ""}
    )
    one_line_error(missing, 2, "set OPENAI_ADMIN_KEY")


def test_the_anthropic_cost_api(spent: tuple[GitRepo, Path], run_cli: RunCli) -> None:
    from tests.servers import Exchange, Reply, scripted_server

    repo, config = spent
    buckets = json.loads((DATA / "anthropic-cost.json").read_text())["data"]

    def script(request: Exchange, number: int) -> Reply:
        query = parse_qs(urlsplit(request.path).query)
        assert query["starting_at"] == ["2026-09-24T00:00:00Z"]  # a week before: the comparison
        assert query["ending_at"] == ["2026-10-08T00:00:00Z"]
        return Reply(body=_page(buckets, None))

    with scripted_server(script) as server:
        env = {"ANTHROPIC_ADMIN_KEY": "k-admin", "ANTHROPIC_BASE_URL": server.url}
        made = run_cli("report", *WINDOW, "--config", str(config), "--spend", "anthropic-cost",
                       "--format", "json", cwd=repo, env=env)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert made.json()["spend"]["total"]["spend"] == pytest.approx(2.5 + 0.755)


def copilot_api(
    spent: tuple[GitRepo, Path], run_cli: RunCli, report: bytes
) -> tuple[CliResult, list[object]]:
    """The report of a window read from a fake Copilot API whose storage serves `report` for
    5 October (and nothing for the other days); with what the storage received."""
    from tests.servers import Exchange, Reply, scripted_server

    repo, config = spent

    def storage(request: Exchange, number: int) -> Reply:
        assert "Authorization" not in request.headers
        return Reply(body=report if "2026-10-05" in request.path else b"")

    with scripted_server(storage) as files:

        def api(request: Exchange, number: int) -> Reply:
            assert request.headers["Authorization"] == "Bearer ghp-copilot"
            if urlsplit(request.path).path != "/orgs/acme/copilot/metrics/reports/users-1-day":
                return Reply(body=b"[]")  # the logins of @login members: none known
            day = parse_qs(urlsplit(request.path).query)["day"][0]
            return Reply(body=json.dumps({"download_links": [f"{files.url}/r/{day}.ndjson"],
                                          "report_day": day}).encode())  # fmt: skip

        with scripted_server(api) as server:
            env = {"GITHUB_TOKEN": "ghp-copilot", "GITHUB_API_URL": server.url,
                   "GITHUB_REPOSITORY": "acme/api"}  # fmt: skip
            made = run_cli("report", *WINDOW, "--config", str(config), "--spend", "copilot",
                           "--format", "json", cwd=repo, env=env)  # fmt: skip
    return made, list(files.received)


def test_the_copilot_api_downloads_the_report_without_the_token(
    spent: tuple[GitRepo, Path], run_cli: RunCli
) -> None:
    """The API answers each day with signed links on another host; the token goes to the API,
    never to the storage."""
    made, received = copilot_api(spent, run_cli, (DATA / "copilot.ndjson").read_bytes())
    assert made.exit_code == 0, made.stderr
    assert made.json()["spend"]["by_team"]["web"]["spend"] == pytest.approx(1.0)
    assert len(received) == 14  # two weeks: the window and the one before


def test_a_copilot_report_line_is_split_at_newlines_only_and_a_bad_one_is_one_line(
    spent: tuple[GitRepo, Path], run_cli: RunCli
) -> None:
    """NDJSON records end at a newline: a record whose text holds U+2028 (valid JSON) was cut
    in two there and refused, and a line nested 100,000 deep crashed (RecursionError)."""
    report = (DATA / "copilot.ndjson").read_bytes()
    odd = json.loads(report.splitlines()[0])
    odd |= {"user_login": "dave", "ai_credits_used": 0, "ide": "vscode\u2028insiders"}
    made, _ = copilot_api(spent, run_cli, report + json.dumps(odd, ensure_ascii=False).encode())
    assert made.exit_code == 0, made.stderr
    assert made.json()["spend"]["by_team"]["web"]["spend"] == pytest.approx(1.0)
    deep = b"[" * 100_000 + b"]" * 100_000
    made, _ = copilot_api(spent, run_cli, report + deep + b"\n")
    one_line_error(made, 1, "the Copilot report of 2026-10-05, line 3, is not JSON")


def test_the_docs_worked_example_adds_up() -> None:
    """docs/cost.md's example, through the same reader and figures: every number in its table."""
    import csv as csv_module
    import io
    from datetime import date

    from deploycount.model import Report, TeamRow, Totals
    from deploycount.spend.figures import with_spend
    from tests import docs
    from tests.test_render import fixed_report

    page = (docs.ROOT / "docs" / "cost.md").read_text("utf-8")
    shown, example = re.findall(r"^```csv\n(.*?)^```", page, flags=re.MULTILINE | re.DOTALL)
    for block in (shown, example):  # both parse as the generic format
        for row in csv_module.DictReader(io.StringIO(block)):
            list(formats.generic({k: v for k, v in row.items() if v}))
    table = SpendTable(date(2026, 10, 1), date(2026, 10, 29))
    team_of = {"ann@pay.example": "pay", "bob@web.example": "web", "gateway-ci": "web"}
    for row in csv_module.DictReader(io.StringIO(example)):
        for usage in formats.generic({k: v for k, v in row.items() if v}):
            table.add(usage, team_of[usage.person or usage.key])
    base = fixed_report()

    def counts(deploys: int, ai_deploys: int, ai_commits: int) -> dict[str, object]:
        metrics = {
            f: getattr(base.totals, f)
            for f in TeamRow.__dataclass_fields__
            if hasattr(base.totals, f)
        }
        return {
            **metrics,
            "deployments": deploys,
            "ai_deployments": ai_deploys,
            "ai_commits": ai_commits,
        }

    report = Report(
        repository="acme/api", repositories=["acme/api"], environment="production",
        deploy_source="tags:v*", since="2026-10-01T00:00:00Z", until="2026-10-29T00:00:00Z",
        weeks=4.0,
        totals=Totals(**{**counts(8, 5, 12), "rollbacks": 0, "failed_deployments": 0}),  # type: ignore[arg-type]
        teams=[TeamRow(team="pay", suppressed=False, **counts(5, 3, 7)),  # type: ignore[arg-type]
               TeamRow(team="web", suppressed=False, **counts(3, 2, 5))],  # type: ignore[arg-type]
        deployments=[], warnings=[],
    )  # fmt: skip
    spend = with_spend(report, table).spend
    assert spend is not None
    figures = {
        name: (f.spend, f.per_deploy, f.per_ai_deploy, f.per_ai_commit)
        for name, f in [*spend.by_team.items(), ("all", spend.total)]
    }
    assert figures == {
        "pay": (90.0, 18.0, 30.0, 12.8571),
        "web": (30.0, 10.0, 15.0, 6.0),
        "all": (120.0, 15.0, 24.0, 10.0),
    }


def test_the_pr_comment_and_push_carry_the_spend(
    spent: tuple[GitRepo, Path], run_cli: RunCli
) -> None:
    """`[spend] sources` applies to every command that makes the window's report: the PR
    comment shows the line, and the pushed metrics carry the series."""
    from tests.servers import Exchange, Reply, scripted_server

    repo, config = spent
    config.write_text(CONFIG + f"sources = {json.dumps(SOURCES)}\n")
    comment = run_cli("comment", "--dry-run", *WINDOW, "--config", str(config), cwd=repo)
    assert comment.exit_code == 0, comment.stderr
    assert "| AI spend | USD 1,002.15 (" in comment.stdout
    assert "987.65" not in comment.stdout

    def gateway(request: Exchange, number: int) -> Reply:
        return Reply(200)

    with scripted_server(gateway) as server:
        pushed = run_cli("push", *WINDOW, "--config", str(config), "--sink", "pushgateway",
                         "--to", server.url, cwd=repo)  # fmt: skip
    assert pushed.exit_code == 0, pushed.stderr
    body = b"".join(e.body for e in server.received).decode(errors="replace")
    assert "deploycount_spend" in body and "987.65" not in body


def test_a_teams_spend_that_is_one_persons_is_not_shown(
    repo: GitRepo, run_cli: RunCli, tmp_path: Path
) -> None:
    """Floor 2: web has two people shipping (Bob, Dan), so its delivery shows; but its spend
    is Bob's alone (his Copilot credits; the bot key and the project are no person): it is
    hidden, and stays in the totals. Unassigned spend (Carol's record and the default
    workspace) is one person's too."""
    history(repo)
    repo.commit("feat: web two", author="Dan <dan@web.example>", when="2026-10-05T09:00:00Z",
                file="web2.txt")  # fmt: skip
    repo.tag("v4", annotated_at="2026-10-05T12:00:00Z")
    config = tmp_path / "c.toml"
    config.write_text(CONFIG.replace('"bob@web.example"', '"bob@web.example", "dan@web.example"')
                      .replace("min_team_size = 1", "min_team_size = 2"))  # fmt: skip
    made = run_cli("report", *WINDOW, "--config", str(config), *spend_args(*SOURCES),
                   "--format", "json", cwd=repo)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    report = made.json()
    assert [t["team"] for t in report["teams"] if not t["suppressed"]] == ["web"]
    spend = report["spend"]
    assert spend["by_team"] == {} and spend["hidden"] == ["web", "unassigned"]
    assert spend["total"]["spend"] == pytest.approx(1002.1533)
    table = run_cli("report", *WINDOW, "--config", str(config), *spend_args(*SOURCES), cwd=repo)
    assert "hidden, fewer people than the privacy floor: web, unassigned" in re.sub(
        r"\s+", " ", table.stdout
    )


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".csv"])
def test_an_export_saved_with_a_byte_order_mark_reads_as_without(
    tmp_path: Path, suffix: str
) -> None:
    from deploycount.spend.files import read_records

    row = {"day": "2026-10-02", "user": "a@b.c", "cost": "1", "currency": "USD"}
    text = {".jsonl": json.dumps(row) + "\n", ".json": json.dumps([row]),
            ".csv": "day,user,cost,currency\n2026-10-02,a@b.c,1,USD\n"}[suffix]  # fmt: skip
    found = []
    for content in (text, "\ufeff" + text):
        export = tmp_path / f"x{suffix}"
        export.write_text(content, "utf-8")
        records = read_records(export, "x", csv_rows=True)
        found.append([list(formats.generic(r)) if isinstance(r, dict) else [r] for _, r in records])
    assert found[0] == found[1] and len(found[0]) == 1
