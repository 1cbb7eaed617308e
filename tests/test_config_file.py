"""`.deploycount.toml` read without pydantic: every key's rule, each bad value a one-line error
naming the key as the file writes it, and every good value kept as written (stripped)."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from deploycount.checks import Invalid
from deploycount.config import (
    DEFAULT_ENVIRONMENT,
    FileConfig,
    ReportOptions,
    TeamSection,
    TeamSources,
    file_config,
    parse_config,
    resolve_push_settings,
    resolve_record_settings,
    resolve_report_output,
    resolve_report_settings,
)
from deploycount.errors import ConfigError, UsageError
from tests.history_rows import NOW


def read(text: str) -> FileConfig:
    return file_config(tomllib.loads(text))


def test_no_file_and_an_empty_file_are_the_defaults() -> None:
    assert read("") == FileConfig()
    defaults = FileConfig()
    assert defaults.privacy.min_team_size == 3 and defaults.teams == {}
    assert defaults.push.headers == [] and defaults.report.since is None
    assert defaults.attribution.tools == {} and defaults.team_sources == TeamSources()
    # each config has its own lists: nothing leaks from one to another
    assert FileConfig().push.headers is not defaults.push.headers


def test_every_key_is_read() -> None:
    config = read(
        """
        [report]
        since = " 28d "
        until = "2026-10-29"
        env = "staging"
        format = "markdown"
        output = "r.md"
        every = "week"
        [deploys]
        source = "tags:release-*"
        remote = "upstream"
        [attribution]
        min_confidence = "low"
        trailers = ["X-Agent"]
        identities = { skynet = ["bot@acme.example"], claude-code = ["claude@acme.example"] }
        [attribution.tools.skynet]
        identities = ["skynet[bot]"]
        aliases = ["sky net"]
        footers = ["Skynet"]
        [push]
        sink = "otlp"
        to = "http://127.0.0.1:4318"
        headers = ["Authorization: Bearer ${TOKEN}"]
        timeout = 5
        max_retry_seconds = 0.5
        otlp_protocol = "http/json"
        [teams]
        include = "teams.toml"
        source = "github:acme"
        only = ["web"]
        [teams.web]
        members = ["*@web.example", "ann@acme.example"]
        size = 4
        [privacy]
        min_team_size = 5
        """
    )
    assert config.report.since == "28d" and config.report.every == "week"
    assert (config.deploys.source, config.deploys.remote) == ("tags:release-*", "upstream")
    assert config.attribution.min_confidence == "low"
    assert config.attribution.identities["skynet"] == ["bot@acme.example"]
    assert config.attribution.tools["skynet"].aliases == ["sky net"]
    assert config.push.timeout == 5.0 and isinstance(config.push.timeout, float)
    assert config.push.max_retry_seconds == 0.5 and config.push.otlp_protocol == "http/json"
    assert config.teams == {"web": TeamSection(members=["*@web.example", "ann@acme.example"],
                                               size=4)}  # fmt: skip
    assert config.team_sources == TeamSources(include="teams.toml", source="github:acme",
                                              only=["web"])  # fmt: skip
    assert config.privacy.min_team_size == 5


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("reprot = 1", "reprot: unknown key"),
        ("report = 1", "report: must be a table, not a whole number"),
        ("[report]\nsince = 3", "report.since: must be a string, not a whole number"),
        ("[report]\nsince = 2026-10-01", 'report.since: must be a quoted string, e.g. "2026-10-01"'),
        ('[report]\nenv = "  "', "report.env: must not be empty"),
        ('[report]\nformat = "html"', "report.format: must be one of table, json, markdown"),
        ("[report]\nwhen = 1", "report.when: unknown key"),
        ('[deploys]\nsource = ""', "deploys.source: must not be empty"),
        ('[attribution]\nmin_confidence = "HIGH"', "attribution.min_confidence: must be one of"),
        ('[attribution]\ntrailers = ["Assisted by"]',
         "attribution.trailers.0: must be a trailer key such as Assisted-by"),
        ('[attribution]\ntrailers = "X"', "attribution.trailers: must be an array"),
        ('[attribution.identities]\nskynet = ["a@b"]', "attribution.identities.skynet: unknown tool"),
        ('[attribution.identities]\ncursor = [""]', "attribution.identities.cursor.0: must not be"),
        ('[attribution.tools.other]\naliases = ["x"]', "attribution.tools.other: 'other' is reserved"),
        ('[attribution.tools."Bad Id"]\naliases = ["x"]', "attribution.tools.Bad Id: must be a tool"),
        ('[attribution.tools.x]\nemails = ["a"]', "attribution.tools.x.emails: unknown key"),
        ('[attribution.tools.x]\naliases = [1]', "attribution.tools.x.aliases.0: must be a string"),
        ('[push]\nsink = "kafka"', "push.sink: must be one of pushgateway, otlp, webhook"),
        ("[push]\ntimeout = 0", "push.timeout: must be greater than 0"),
        ("[push]\ntimeout = 301", "push.timeout: must be at most 300"),
        ("[push]\ntimeout = nan", "push.timeout: must be a finite number"),
        ("[push]\ntimeout = inf", "push.timeout: must be a finite number"),
        ('[push]\ntimeout = "5"', "push.timeout: must be a number, not a string"),
        ("[push]\ntimeout = true", "push.timeout: must be a number, not a boolean"),
        ("[push]\nmax_retry_seconds = -1", "push.max_retry_seconds: must be at least 0"),
        ("[push]\nmax_retry_seconds = 3601", "push.max_retry_seconds: must be at most 3600"),
        ('[push]\nheaders = "X: y"', "push.headers: must be an array of strings"),
        ('[push]\notlp_protocol = "grpc"', "push.otlp_protocol: must be one of http/protobuf"),
        ("[teams.web]\nsize = 2", "teams.web.members: is required"),
        ("[teams.web]\nmembers = []", "teams.web.members: must name at least one member"),
        ('[teams.web]\nmembers = ["a@x"]\nsize = -1', "teams.web.size: must be at least 0"),
        ('[teams.web]\nmembers = ["a@x"]\nsize = 2.0',
         "teams.web.size: must be a whole number, not a decimal number"),
        ('[teams.web]\nmembers = ["a@x"]\nsize = true', "teams.web.size: must be a whole number"),
        ('[teams.web]\nmembers = ["a@x"]\nlead = "ann"', "teams.web.lead: unknown key"),
        ('[teams.all]\nmembers = ["a@x"]', "team name 'all' is reserved"),
        ('[teams."Unassigned"]\nmembers = ["a@x"]', "team name 'Unassigned' is reserved"),
        ('[teams." web"]\nmembers = ["a@x"]', "must be a visible name without blanks around it"),
        ("teams = 3", "teams: must be a table, not a whole number"),
        ("[teams]\nweb = 3", "teams.web: must be a table, not a whole number"),
        ('[teams]\nsource = "gitlab:acme"', "teams.source: must be github:ORG"),
        ('[teams]\ninclude = ""', "teams.include: must not be empty"),
        ('[teams]\nonly = "web"', "teams.only: must be an array"),
        ("[team_sources]\nonly = []", "team_sources: not a config key: use [teams] include/source"),
        ("[privacy]\nmin_team_size = 0", "privacy.min_team_size: must be at least 1"),
        ('[privacy]\nmin_team_size = "3"', "privacy.min_team_size: must be a whole number"),
    ],
)  # fmt: skip
def test_a_bad_value_names_its_key(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text + "\n")
    with pytest.raises(ConfigError) as raised:
        parse_config(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ") and error in message
    assert "\n" not in message


KEYS = ["report", "deploys", "attribution", "push", "teams", "privacy", "since", "format",
        "source", "identities", "trailers", "tools", "headers", "timeout", "members", "size",
        "include", "only", "min_team_size", "cursor", "web", "all", "other", "x"]  # fmt: skip
SCALARS = st.one_of(st.text(max_size=8), st.integers(), st.floats(), st.booleans(), st.dates())
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(document=st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=4))
@example(document={"teams": {"a\nb": {"members": ["x"]}}})
@example(document={"push": {"x\ry": 1}})
def test_any_document_is_a_config_or_one_clear_error(document: dict[str, object]) -> None:
    """Whatever a TOML file holds: a config, or a ConfigError of one line; never a crash."""
    problem = ""
    try:
        config = file_config(document)
    except Invalid as error:
        problem = str(error)
    if problem:
        assert "\n" not in problem and ": " in problem
    else:
        assert isinstance(config, FileConfig)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(text)
    return path


def test_flag_beats_file_beats_default(tmp_path: Path) -> None:
    config = parse_config(
        write(tmp_path, '[report]\nsince = "8w"\nenv = "staging"\nformat = "json"\n')
    )
    from_file = resolve_report_settings(ReportOptions(), config, now=NOW)
    assert from_file.since == NOW - timedelta(weeks=8)
    assert from_file.environment == "staging"
    flagged = resolve_report_settings(ReportOptions(since="2w", env="prod-eu"), config, now=NOW)
    assert (flagged.since, flagged.environment) == (NOW - timedelta(weeks=2), "prod-eu")
    default = resolve_report_settings(ReportOptions(), FileConfig(), now=NOW)
    assert default.since == NOW - timedelta(days=28) and default.until == NOW
    assert default.environment == DEFAULT_ENVIRONMENT and default.deploy_spec is None
    assert resolve_report_output(None, None, config) == ("json", None)
    assert resolve_report_output("table", "x.txt", config) == ("table", "x.txt")
    record = resolve_record_settings(None, None, config)
    assert (record.environment, record.remote) == ("staging", "origin")


def test_push_settings_precedence_and_header_expansion(tmp_path: Path) -> None:
    config = parse_config(
        write(
            tmp_path,
            '[push]\nsink = "otlp"\nto = "http://c:4318"\nheaders = ["X-Key: ${KEY}"]\n'
            "timeout = 5\n",
        )
    )
    settings = resolve_push_settings(
        sink=None, url=None, headers=None, timeout=None, max_retry_seconds=None,
        config=config.push, environ={"KEY": "k-123456"},
    )  # fmt: skip
    assert (settings.sink, settings.url, settings.timeout) == ("otlp", "http://c:4318", 5)
    assert settings.headers == {"X-Key": "k-123456"} and settings.max_retry_seconds == 60
    with pytest.raises(UsageError, match="KEY is not set"):
        resolve_push_settings(
            sink=None, url=None, headers=None, timeout=None, max_retry_seconds=None,
            config=config.push, environ={},
        )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[report]\nsince = 3\n", "report.since"),
        ("[reprot]\n", "unknown key"),
        ('[teams.all]\nmembers = ["a@x"]\n', "reserved"),
        ("[privacy]\nmin_team_size = 0\n", "privacy.min_team_size"),
        ("not toml =", "TOML: "),
    ],
)
def test_config_errors_name_the_key(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        parse_config(write(tmp_path, text))
