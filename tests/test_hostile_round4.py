"""Hostile input, round 4 (issue 36): the new surfaces (services, suggest, the GraphQL source,
the ledger across clones). Each test failed before its fix."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.synth import SynthSpec, build_synthetic
from deploycount.commands.suggest import Package, Released, releases, suggest_services
from deploycount.config import file_config
from deploycount.errors import ExternalServiceError
from deploycount.http import HttpClient, RetryPolicy
from deploycount.repository import Repository, TagRef
from tests.conftest import CliResult, GitRepo, RunCli, clone, ledger_lines, one_line_error
from tests.servers import Reply, Script, scripted_server
from tests.test_services import WINDOW, monorepo


def test_the_table_shows_services_that_are_all_below_the_privacy_floor(
    repo: GitRepo, run_cli: RunCli, tmp_path: Path
) -> None:
    """Every service row hidden (below min_team_size, or a quiet week): the table is drawn
    (it crashed with "'int' object is not iterable"), through `merge` too."""
    monorepo(repo)
    config = repo.path / ".deploycount.toml"
    config.write_text(config.read_text().replace("min_team_size = 1", "min_team_size = 9"))
    table = run_cli("report", *WINDOW, cwd=repo)
    assert table.exit_code == 0, table.stderr
    assert "service" in table.stdout and "(fewer people than privacy.min_team_size" in table.stdout
    partial = run_cli("report", *WINDOW, "--format", "partial",
                      env={"DEPLOYCOUNT_PEOPLE_KEY": "k" * 16}, cwd=repo)  # fmt: skip
    assert partial.exit_code == 0, partial.stderr
    (tmp_path / "p.json").write_text(partial.stdout)
    merged = run_cli("merge", str(tmp_path / "p.json"), "--format", "table", cwd=tmp_path)
    assert merged.exit_code == 0 and "privacy.min_team_size: hidden" in merged.stdout, merged.stderr


def test_the_json_report_s_deployment_rows_read_back_as_an_events_file(
    repo: GitRepo, run_cli: RunCli, tmp_path: Path
) -> None:
    """`"service": null` on every row of a report without [services] was refused."""
    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v1.0", annotated_at="2026-09-02T10:00:00Z")
    repo.commit("feat: x\n\nAssisted-by: claude", when="2026-10-02T10:00:00Z")
    repo.tag("v1.1", annotated_at="2026-10-03T10:00:00Z")
    first = run_cli("report", *WINDOW, "--format", "json", cwd=repo)
    rows = first.json()["deployments"]
    assert rows and all(row["service"] is None for row in rows)
    events = tmp_path / "events.json"
    events.write_text(json.dumps(rows))
    again = run_cli("report", *WINDOW, "--format", "json", "--deploys", f"file:{events}", cwd=repo)
    assert again.exit_code == 0, again.stderr
    assert [d["sha"] for d in again.json()["deployments"]] == [row["sha"] for row in rows]


# -- the GitHub source's GraphQL answers -----------------------------------------------------


def _graphql(nodes: object, *, next_page: bool = False, cursor: str = "1") -> Reply:
    page = {"hasNextPage": next_page, "endCursor": cursor}
    data = {"data": {"repository": {"deployments": {"pageInfo": page, "nodes": nodes}}}}
    return Reply(200, json.dumps(data).encode(), {"Content-Type": "application/json"})


def _node(created: object = "2026-10-05T00:00:00Z", statuses: object = None) -> dict[str, object]:
    return {
        "databaseId": 7, "commitOid": "a" * 40, "environment": "production", "payload": "{}",
        "createdAt": created,
        "statuses": {"nodes": [{"state": "SUCCESS", "createdAt": "2026-10-05T00:00:00Z"}]}
        if statuses is None else statuses,
    }  # fmt: skip


def _github_report(repo: GitRepo, run_cli: RunCli, script: Script) -> tuple[CliResult, int]:
    repo.commit("base", when="2026-09-01T10:00:00Z")
    with scripted_server(script) as server:
        env = {"GITHUB_API_URL": server.url, "GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "o/r"}
        done = run_cli("report", *WINDOW, "--deploys", "github", cwd=repo, env=env)
    return done, len(server.received)


@pytest.mark.parametrize(
    ("node", "field"),
    [
        (_node(created="yesterday"), "deployments.nodes.0.createdAt"),
        (_node(statuses=[{"state": "SUCCESS"}]), "deployments.nodes.0.statuses"),
        (_node(statuses={"nodes": [{"state": "SUCCESS", "createdAt": 5}]}),
         "deployments.nodes.0.statuses.nodes.0.createdAt"),
        (_node(statuses={"nodes": ["SUCCESS"]}), "deployments.nodes.0.statuses.nodes.0"),
    ],
)  # fmt: skip
def test_a_graphql_answer_not_of_github_s_schema_is_one_line(
    repo: GitRepo, run_cli: RunCli, node: dict[str, object], field: str
) -> None:
    """A createdAt that is not a date was 'unexpected ValueError', statuses as a list
    'unexpected AttributeError'."""
    done, _ = _github_report(repo, run_cli, lambda request, n: _graphql([node]))
    one_line_error(done, 1, "not of GitHub's schema", f"{field}:")


def test_a_cursor_that_never_advances_is_an_error_not_the_same_rows_again(
    repo: GitRepo, run_cli: RunCli
) -> None:
    done, requests = _github_report(
        repo, run_cli, lambda request, n: _graphql([_node()], next_page=True, cursor="same")
    )
    one_line_error(done, 1, "the cursor of an earlier page")
    assert requests == 2


def test_more_deployments_than_are_read_is_an_error_not_a_quiet_partial_answer(
    repo: GitRepo, run_cli: RunCli
) -> None:
    """At 100 pages the source stopped and reported what it had, calling the oldest deployment
    it saw the first one GitHub knows of."""
    done, requests = _github_report(
        repo, run_cli, lambda request, n: _graphql([], next_page=True, cursor=str(n))
    )
    one_line_error(done, 1, "more than 10,000 production deployments")
    assert requests == 100


def test_a_graphql_answer_larger_than_any_of_github_s_is_refused_as_it_arrives(
    repo: GitRepo, run_cli: RunCli
) -> None:
    huge = b'{"data": {"x": "' + b"y" * (33 * 1024 * 1024) + b'"}}'
    done, _ = _github_report(repo, run_cli, lambda request, n: Reply(200, huge))
    assert done.exit_code == 1 and "larger than" in done.stderr, done.stderr


def test_retry_after_zero_still_backs_off() -> None:
    """A 403 rate limit with `Retry-After: 0` was retried with no wait: 9,697 requests in 60 s.
    The waits now grow as without the header (0.5, 1, 2, 4 s), within the retry budget."""
    waits: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    limited = Reply(403, b"rate limit", {"Retry-After": "0", "x-ratelimit-remaining": "0"})
    with scripted_server(lambda request, n: limited) as server:
        client = HttpClient(RetryPolicy(max_retry_seconds=10), sleep=sleep, clock=lambda: now[0])
        with pytest.raises(ExternalServiceError, match="failed after 5 attempt"):
            client.request("GET", server.url, what="GitHub",
                           accept=lambda response: response.status_code != 403)  # fmt: skip
    assert waits == [0.5, 1.0, 2.0, 4.0]  # the next, 8 s, would pass the 10 s budget


def test_one_long_warning_never_pushes_the_figures_out_of_the_comment(
    repo: GitRepo, run_cli: RunCli, tmp_path: Path
) -> None:
    """3,000 events naming services that [services] does not have made one warning of every
    name: the comment was 831 characters, its table and chart cut away."""
    (repo.path / "api").mkdir()
    repo.commit("base", when="2026-09-01T10:00:00Z", file="api/a.txt")
    sha = repo.commit("feat: x", when="2026-10-02T10:00:00Z", file="api/b.txt")
    events = [
        {"id": f"d{n}", "sha": sha, "time": "2026-10-03T10:00:00Z", "service": f"svc-{n:04}"}
        for n in range(3000)
    ] + [{"id": "api-1", "sha": sha, "time": "2026-10-03T10:00:00Z", "service": "api"}]
    (tmp_path / "events.json").write_text(json.dumps(events))
    (repo.path / ".deploycount.toml").write_text(
        f'[deploys]\nsource = "file:{tmp_path}/events.json"\n\n[services.api]\npaths = ["api"]\n'
    )
    summary = run_cli("report", *WINDOW, "--format", "markdown", cwd=repo)
    assert summary.exit_code == 0, summary.stderr
    [stray] = [line for line in summary.stdout.splitlines() if "belong to no service" in line]
    assert len(stray) < 700 and "and 2995 more services" in stray
    assert "```mermaid" in summary.stdout and "| deploys" in summary.stdout.lower()
    whole = run_cli("report", *WINDOW, "--format", "json", cwd=repo).json()["warnings"]
    assert any("3000 deploy event(s)" in w for w in whole)


def test_alerts_cut_a_warning_of_any_length_at_a_word() -> None:
    from deploycount.render.summary import alerts

    lines = alerts(["word " * 1000, *(f"warning {n}" for n in range(80))])
    assert max(len(line) for line in lines) < 700
    assert "(cut: the JSON report has it whole)" in lines[1]
    assert lines[-4] == "- …and 26 more: see the report (--format json)"  # 80 + 1 - 5 - 50


# -- report --suggest ------------------------------------------------------------------------

NOW = datetime(2026, 12, 1, tzinfo=UTC)
RECENT = datetime(2026, 11, 1, tzinfo=UTC)


def _loads(text: str) -> dict[str, Any]:
    """What the section gives the config loader: it parses, and the config's checks take it."""
    document = tomllib.loads(text)
    file_config(document)
    return document.get("services", {})


@pytest.mark.parametrize(
    ("name", "directory", "why"),
    [
        ('evil\n[teams.evil]\nmembers = ["*"]', "packages/evil", "must be a visible name"),
        ("all", "packages/all", "service name 'all' is reserved"),
        ("ALL", "packages/ALL", "service name 'ALL' is reserved"),
        ("x" * 300, "packages/long", "must be a visible name"),
        (" spaced ", "packages/spaced", "must be a visible name"),
        ("colon", ":colon", "without pathspec magic"),
        ("bytes", "packages/\udcff", "is not UTF-8"),
        ("dotdot", "packages/../up", "must not contain . or .. parts"),
    ],
)
def test_suggest_writes_only_what_its_own_loader_takes(name: str, directory: str, why: str) -> None:
    """A newline in a package name ended the `# ... record --service` comment and injected
    [teams.evil]; `all`, long or spaced names, a `:` directory and a non-UTF-8 one were printed
    as live sections the loader refuses (the last broke the whole file)."""
    released = [Released(name, f"{name}@*", 3, RECENT), Released("api", "api@*", 2, RECENT)]
    packages = [Package(name, directory), Package("api", "packages/api")]
    text = suggest_services(released, packages, now=NOW)
    services = _loads(text)
    assert list(services) == ["api"]  # the hostile one is commented out, with its reason
    assert "evil" not in tomllib.loads(text).get("teams", {})
    assert why in text


@settings(max_examples=300, deadline=None)
@given(
    name=st.text(max_size=30),
    directory=st.text(max_size=30),
    untagged=st.text(max_size=30),
)
def test_whatever_the_names_the_section_parses_and_loads(
    name: str, directory: str, untagged: str
) -> None:
    released = [Released(name, f"{name}@*", 1, RECENT)]
    packages = [Package(name, directory), Package(untagged, directory + "/x")]
    _loads(suggest_services(released, packages, {directory}, now=NOW))


def test_suggest_leaves_out_stale_packages_and_says_where_one_is_inside_another() -> None:
    released = [
        Released("sdk", "sdk/v*", 5, RECENT),
        Released("sdk/go", "sdk/go/v*", 71, RECENT),
        Released("old", "old/v*", 4, datetime(2021, 3, 1, tzinfo=UTC)),
    ]
    text = suggest_services(released, [], {"sdk", "sdk/go", "old"}, now=NOW)
    assert list(_loads(text)) == ["sdk", "sdk/go"]
    assert "# no release of old since 2021-03-01" in text
    assert "# inside the paths of sdk: a commit here counts for both" in text


def test_each_glob_takes_only_its_package_s_tags() -> None:
    """`ui-v*` took `ui-vite-v1.0.2` too: the tighter glob is written."""
    tags = [TagRef(n, "0" * 40, 1_790_000_000, "0" * 40)
            for n in ("ui-v1.0.0", "ui-v1.1.0", "ui-vite-v1.0.2", "api@1.0.0", "x_v1.0.0",
                      "pkg==1.2.3", "v1.0.0")]  # fmt: skip
    globs = {r.name: r.glob for r in releases(tags)}
    assert globs == {"ui": "ui-v[0-9]*", "ui-vite": "ui-vite-v*", "api": "api@*",
                     "x": "x_v*", "pkg": "pkg==*"}  # fmt: skip


def test_go_modules_at_any_depth_are_found(repo: GitRepo, run_cli: RunCli) -> None:
    """Directories deeper than three levels were never looked at: 24 Go modules of a real
    repository were written commented out, the most released among them."""
    for module in ("sdk/go/aws/s3", "services/a/b/c/api"):
        (repo.path / module).mkdir(parents=True)
        (repo.path / module / "go.mod").write_text(f"module example.com/{module}\n")
        repo.commit(f"feat: {module}", when="2026-10-01T10:00:00Z", file=f"{module}/main.go")
        repo.tag(f"{module}/v1.0.0", annotated_at="2026-10-02T10:00:00Z")
    repo.tag("v2.0.0", annotated_at="2026-10-03T10:00:00Z")
    done = run_cli("report", "--suggest", cwd=repo)
    assert done.exit_code == 0, done.stderr
    services = _loads(done.stdout)
    assert services == {
        "sdk/go/aws/s3": {"paths": ["sdk/go/aws/s3"], "tags": "sdk/go/aws/s3/v*"},
        "services/a/b/c/api": {"paths": ["services/a/b/c/api"], "tags": "services/a/b/c/api/v*"},
    }
    assert "The repository's own releases (1 tag(s)" in done.stdout


@pytest.mark.parametrize(
    "flags", [("--repo", "."), ("--every", "1w"), ("--format", "json"), ("--since", "4w"),
              ("--deploys", "tags:v*")],
)  # fmt: skip
def test_suggest_refuses_options_it_would_ignore(
    repo: GitRepo, run_cli: RunCli, flags: tuple[str, str]
) -> None:
    repo.commit("x")
    one_line_error(run_cli("report", "--suggest", *flags, cwd=repo), 2, flags[0], "--suggest")


def test_python_monorepo_tags_get_the_hint_and_a_suggestion(repo: GitRepo, run_cli: RunCli) -> None:
    """`name==1.2.3` tags were not recognised: every package read "no release tags" and the
    report gave no hint."""
    (repo.path / "libs" / "core").mkdir(parents=True)
    (repo.path / "libs/core/pyproject.toml").write_text('[project]\nname = "acme-core"\n')
    repo.commit("feat: core", when="2026-10-01T10:00:00Z", file="libs/core/x.py")
    repo.tag("acme-core==1.0.0", annotated_at="2026-10-02T10:00:00Z")
    services = _loads(run_cli("report", "--suggest", cwd=repo).stdout)
    assert services == {"acme-core": {"paths": ["libs/core"], "tags": "acme-core==*"}}
    hint = run_cli("report", *WINDOW, "--format", "json", cwd=repo).json()["warnings"]
    assert any("acme-core==* (1)" in w for w in hint), hint


# -- the ledger ------------------------------------------------------------------------------


def test_a_backfill_of_many_tags_is_a_few_git_processes_whatever_their_number(
    tmp_path: Path, run_cli: RunCli
) -> None:
    """`record --from-tags` ran four git processes per tagged commit inside one compare-and-
    swap of the ledger: 25k tags took ~9 minutes, and any other ledger write meanwhile made it
    start over. Now the notes are written by one fast-import: the count does not grow with the
    tags, so another writer costs a retry of a few processes, not of the whole backfill."""
    counts = {}
    for tags in (20, 600):
        repo = GitRepo(tmp_path / f"r{tags}")
        build_synthetic(repo.path, SynthSpec(commits=tags, tag_every=1, merge_every=10**9))
        trace = tmp_path / f"trace{tags}.json"
        done = run_cli(
            "record", "--from-tags", "v*", cwd=repo, env={"GIT_TRACE2_EVENT": str(trace)}
        )
        assert done.exit_code == 0, done.stderr
        counts[tags] = trace.read_text().count('"event":"version"')
        lines = [line for _, text in Repository(repo.path).notes("refs/notes/deploycount")
                 for line in text.splitlines() if line]  # fmt: skip
        assert len(lines) == tags and len(set(lines)) == tags
    assert max(counts.values()) < 20, counts  # before: four per tag, 2,400 for 600 tags


def test_a_backfill_keeps_every_byte_already_in_a_note(repo: GitRepo, run_cli: RunCli) -> None:
    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v1.0", annotated_at="2026-09-02T10:00:00Z")
    other = b'{"id":"x","sha":"' + repo.head().encode() + b'","time":"2026-09-03T00:00:00Z"}\n'
    repo.git("notes", "--ref=refs/notes/deploycount", "add", "-m", other.decode().strip(), "HEAD")
    assert run_cli("record", "--from-tags", "v*", cwd=repo).exit_code == 0
    note = repo.git("notes", "--ref=refs/notes/deploycount", "show", "HEAD")
    assert note.splitlines()[0] == other.decode().strip() and '"id":"v1.0"' in note


def test_an_id_another_clone_used_is_refused_as_in_one_clone(
    origin: Path, tmp_path: Path, run_cli: RunCli
) -> None:
    """Each fresh CI clone checked --id against its own (empty) ledger only; the push's merge
    then kept a failure and a success under one key, and the report picked one by note order
    (`failed: 0`, no warning)."""
    first, second = clone(origin, tmp_path / "a"), clone(origin, tmp_path / "b")
    ok = run_cli("record", "--id", "run-7", "--status", "failure", "--push", cwd=first)
    assert ok.exit_code == 0, ok.stderr
    refused = run_cli("record", "--id", "run-7", "--push", cwd=second)
    one_line_error(refused, 2, "run-7", "already records a failure deploy")
    assert len(ledger_lines(GitRepo(origin))) == 1  # nothing more was pushed


def test_a_ledger_holding_one_id_two_ways_says_so_and_counts_the_latest(
    origin: Path, tmp_path: Path, run_cli: RunCli
) -> None:
    """Ledgers merged before this fix (or by hand) may hold a conflict: the report names it
    and counts the latest event, whatever order the notes list them in."""
    first, second = clone(origin, tmp_path / "a"), clone(origin, tmp_path / "b")
    for repo, status, when in ((first, "failure", "2026-10-08T10:00:00Z"),
                               (second, "success", "2026-10-08T11:00:00Z")):  # fmt: skip
        done = run_cli("record", "--id", "run-7", "--status", status, "--time", when, cwd=repo)
        assert done.exit_code == 0, done.stderr
    second.git("fetch", "-q", str(tmp_path / "a"), "refs/notes/deploycount:refs/notes/theirs")
    second.git("notes", "--ref=refs/notes/deploycount", "merge", "-q", "-s", "cat_sort_uniq",
               "refs/notes/theirs")  # fmt: skip
    report = run_cli("report", "--since", "2026-10-01", "--until", "2026-10-29", "--deploys",
                     "notes", "--format", "json", cwd=second).json()  # fmt: skip
    [deploy] = [d for d in report["deployments"] if d["id"] == "run-7"]
    assert deploy["time"] == "2026-10-08T11:00:00Z" and report["totals"]["failed_deployments"] == 0
    assert any("deploy id 'run-7' is recorded 2 ways" in w for w in report["warnings"])


def test_two_services_whose_tag_globs_overlap_are_named(repo: GitRepo, run_cli: RunCli) -> None:
    (repo.path / "ui").mkdir()
    (repo.path / "ui-vite").mkdir()
    repo.commit("base", when="2026-09-01T10:00:00Z", file="ui/a.ts")
    repo.tag("ui-v1.0.0", annotated_at="2026-09-02T10:00:00Z")
    repo.tag("ui-vite-v1.0.0", annotated_at="2026-09-02T10:00:00Z")
    repo.commit("feat: vite", when="2026-10-02T10:00:00Z", file="ui-vite/b.ts")
    repo.tag("ui-vite-v1.0.2", annotated_at="2026-10-03T10:00:00Z")
    (repo.path / ".deploycount.toml").write_text(
        '[services.ui]\npaths = ["ui"]\ntags = "ui-v*"\n\n'
        '[services.ui-vite]\npaths = ["ui-vite"]\ntags = "ui-vite-v*"\n'
    )
    warnings = run_cli("report", *WINDOW, "--format", "json", cwd=repo).json()["warnings"]
    assert any("e.g. ui-vite-v1.0.0 of ui, ui-vite" in w for w in warnings), warnings


@pytest.mark.parametrize("spec", ["", "tags:", "tags: "])
def test_an_empty_tag_glob_is_refused_not_read_as_v_star(
    repo: GitRepo, run_cli: RunCli, spec: str
) -> None:
    repo.commit("x")
    repo.tag("v1.0.0")
    one_line_error(run_cli("record", "--from-tags", spec, cwd=repo), 2, "names no tag glob")
    assert not repo.git("notes", "--ref=refs/notes/deploycount", "list")
