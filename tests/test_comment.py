"""`deploycount comment` against a GitHub-like server: sticky, ownership-aware, fork-safe."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GitRepo, RunCli, make_repo
from tests.fake_github import REPO, GitHubState, fake_github
from tests.golden import assert_golden

EXPECTED = Path(__file__).parent / "expected" / "comment.md"
WINDOW = ("--since", "2026-10-01", "--until", "2026-10-29")
MARKER = "<!-- deploycount -->"


@pytest.fixture
def scenario(repo: GitRepo, tmp_path: Path) -> tuple[GitRepo, GitHubState, dict[str, str]]:
    repo.commit("base", author="Ann <ann@example.com>", when="2026-09-01T10:00:00Z")
    repo.tag("v0.1")
    repo.commit(
        "feat: retries\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
        author="Ann <ann@example.com>",
        when="2026-10-02T10:00:00Z",
    )
    repo.tag("v1.0", annotated_at="2026-10-03T00:00:00Z")
    repo.commit("fix: typo", author="Ben <ben@example.com>", when="2026-10-10T10:00:00Z")
    repo.tag("v1.1", annotated_at="2026-10-11T00:00:00Z")
    repo.commit(
        "feat: not deployed yet @team <b>bold</b>",
        author="Ben <ben@example.com>",
        when="2026-10-20T10:00:00Z",
    )
    state = GitHubState()
    state.pull_commits[7] = [
        {"sha": "a" * 40, "commit": {"message": "feat: add cache\n\nAssisted-by: Cursor:gpt-5", "author": {"name": "Ann", "email": "ann@example.com"}, "committer": {"name": "Ann", "email": "ann@example.com"}}},
        {"sha": "b" * 40, "commit": {"message": "fix: ping @octocat <script>alert(1)</script> | pipes", "author": {"name": "Ben", "email": "ben@example.com"}, "committer": {"name": "Ben", "email": "ben@example.com"}}},
    ]  # fmt: skip
    state.comments[7] = [
        {"id": 1, "body": f"{MARKER}\nsomeone else's copy", "user": {"login": "mallory"}}
    ]
    event = tmp_path / "event.json"
    event.write_text(json.dumps({
        "number": 7,
        "repository": {"default_branch": "main"},
        "pull_request": {"number": 7, "head": {"repo": {"full_name": REPO}}, "base": {"repo": {"full_name": REPO}}},
    }))  # fmt: skip
    env = {"GITHUB_REPOSITORY": REPO, "GITHUB_TOKEN": "good-token", "GITHUB_EVENT_PATH": str(event)}
    return repo, state, env


def test_comment_twice_leaves_one_updated_comment(
    scenario: Any, run_cli: RunCli, tmp_path: Path
) -> None:
    repo, state, env = scenario
    summary = tmp_path / "summary.md"
    with fake_github(state) as github:
        env = {**env, "GITHUB_API_URL": github.url, "GITHUB_STEP_SUMMARY": str(summary)}
        first = run_cli("comment", *WINDOW, cwd=repo, env=env)
        assert first.exit_code == 0, first.stderr
        assert "created" in first.stderr
        second = run_cli("comment", *WINDOW, cwd=repo, env=env)
        assert "updated" in second.stderr
    comments = state.comments[7]
    ours = [c for c in comments if c["user"]["login"] == "deploy-bot"]
    assert len(ours) == 1
    assert comments[0] == {
        "id": 1,
        "body": f"{MARKER}\nsomeone else's copy",
        "user": {"login": "mallory"},
    }
    body = ours[0]["body"]
    assert summary.read_text().count(MARKER) == 2  # the job summary gets it every run
    assert_golden("comment.md", body)
    # User text is inert: no live mention, no HTML, no broken table.
    assert "@octocat" not in body and "@\u200boctocat" in body
    assert "<script>" not in body and "<b>" not in body
    assert len(body) < 65_536


def test_fork_pull_request_writes_the_summary_and_exits_0(
    scenario: Any, run_cli: RunCli, tmp_path: Path
) -> None:
    repo, state, env = scenario
    event = Path(env["GITHUB_EVENT_PATH"])
    payload = json.loads(event.read_text())
    payload["pull_request"]["head"]["repo"]["full_name"] = "fork/api"
    event.write_text(json.dumps(payload))
    summary = tmp_path / "summary.md"
    with fake_github(state) as github:
        result = run_cli(
            "comment",
            *WINDOW,
            cwd=repo,
            env={**env, "GITHUB_API_URL": github.url, "GITHUB_STEP_SUMMARY": str(summary)},
        )
    assert result.exit_code == 0
    assert "fork" in result.stderr
    assert MARKER in summary.read_text()
    assert len(state.comments[7]) == 1  # nothing written


def test_read_only_token_falls_back_to_the_summary(scenario: Any, run_cli: RunCli) -> None:
    repo, state, env = scenario
    state.read_only = True
    with fake_github(state) as github:
        result = run_cli("comment", *WINDOW, cwd=repo, env={**env, "GITHUB_API_URL": github.url})
    assert result.exit_code == 0
    assert "summary only" in result.stderr


def test_actions_token_comments_as_github_actions_bot(scenario: Any, run_cli: RunCli) -> None:
    """The workflow's own GITHUB_TOKEN cannot read /user; the Action declares its account."""
    repo, state, env = scenario
    state.integration_tokens.add("ghs_installation")
    with fake_github(state) as github:
        env = {
            **env, "GITHUB_API_URL": github.url, "GITHUB_TOKEN": "ghs_installation",
            "DEPLOYCOUNT_COMMENT_AS": "github-actions[bot]",
        }  # fmt: skip
        run_cli("comment", *WINDOW, cwd=repo, env=env)
        run_cli("comment", *WINDOW, cwd=repo, env=env)
    assert [c["user"]["login"] for c in state.comments[7]] == ["mallory", "github-actions[bot]"]


@pytest.mark.parametrize(
    "user_answer",
    [(500, {"message": "boom"}), (403, {"message": "Forbidden"}), (200, {"login": None})],
)
def test_an_unknown_token_account_never_edits_a_comment(
    scenario: Any, run_cli: RunCli, user_answer: tuple[int, Any]
) -> None:
    """An admin's token can edit anyone's comment: when /user cannot say whose token it is,
    nothing is edited (the old code guessed github-actions[bot] and overwrote its comment)."""
    repo, state, env = scenario
    state.tokens["admin-token"] = "alice"
    state.admin_tokens.add("admin-token")
    state.user_answer = user_answer
    state.comments[7].append(
        {
            "id": 2,
            "body": f"{MARKER}\nthe Action's comment",
            "user": {"login": "github-actions[bot]"},
        }
    )
    with fake_github(state) as github:
        env = {**env, "GITHUB_API_URL": github.url, "GITHUB_TOKEN": "admin-token"}
        result = run_cli("comment", *WINDOW, cwd=repo, env=env)
    assert result.exit_code == 0, result.stderr
    bodies = {c["id"]: c["body"] for c in state.comments[7]}
    assert bodies[2] == f"{MARKER}\nthe Action's comment"  # untouched
    assert len(bodies) == 3 and "could not tell which account" in result.stderr
    assert ("PATCH", "/repos/acme/api/issues/comments/2") not in state.requests


def test_a_sticky_comment_past_a_hundred_pages_is_found(scenario: Any, run_cli: RunCli) -> None:
    repo, state, env = scenario
    state.comments[7] = [
        {"id": n, "body": f"comment {n}", "user": {"login": "someone"}} for n in range(10_150)
    ]
    state.comments[7].append(
        {"id": 99_999, "body": f"{MARKER}\nold", "user": {"login": "deploy-bot"}}
    )
    with fake_github(state) as github:
        result = run_cli("comment", *WINDOW, cwd=repo, env={**env, "GITHUB_API_URL": github.url})
    assert result.exit_code == 0, result.stderr
    assert "updated" in result.stderr and len(state.comments[7]) == 10_151


def test_sticky_plan_never_duplicates_when_comments_were_cut() -> None:
    from deploycount.commands.comment import sticky_plan

    theirs = [{"id": 1, "body": f"{MARKER}\nx", "user": {"login": "mallory"}}]
    assert sticky_plan(theirs, False, "deploy-bot", "").action == "summary"
    assert sticky_plan(theirs, True, "deploy-bot", "").action == "create"
    assert sticky_plan(theirs, True, "mallory", "").comment_id == 1
    assert sticky_plan(theirs, True, None, "GET /user failed").action == "create"


def test_an_html_answer_from_github_is_one_clear_line(scenario: Any, run_cli: RunCli) -> None:
    repo, state, env = scenario
    state.html_paths.add("/repos/acme/api/pulls/7/commits")
    with fake_github(state) as github:
        result = run_cli("comment", *WINDOW, cwd=repo, env={**env, "GITHUB_API_URL": github.url})
    assert result.exit_code == 1
    assert "not JSON (text/html)" in result.stderr and "GITHUB_API_URL" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "a bug" not in result.stderr


def test_mermaid_block_follows_the_xychart_beta_grammar() -> None:
    """Checked against Mermaid's xychart grammar: an init directive, `xychart-beta`, then
    `title "..."`, `x-axis "title" [cat, ...]`, `y-axis "title" min --> max`, and `bar`/`line`
    lists of numbers, one per x-axis category. (tests/test_browser.py renders it for real.)"""
    import re

    text = EXPECTED.read_text()
    block = text.split("```mermaid\n", 1)[1].split("```", 1)[0].strip().splitlines()
    init = re.fullmatch(r"%%\{init: (.*)\}%%", block[0])
    assert init
    palette = json.loads(init[1])["themeVariables"]["xyChart"]["plotColorPalette"]
    assert len(palette.split(", ")) == 2
    assert block[1] == "xychart-beta"
    statements = [line.strip() for line in block[2:]]
    assert re.fullmatch(r'title "[^"]*"', statements[0])
    axis = re.fullmatch(r'x-axis "[^"]*" \[("[^"]*"(?:, "[^"]*")*)\]', statements[1])
    assert axis
    categories = re.findall(r'"[^"]*"', axis[1])
    assert re.fullmatch(r'y-axis "[^"]*" 0 --> \d+', statements[2])
    series = [re.fullmatch(r"(bar|line) \[(\d+(?:, \d+)*)\]", s) for s in statements[3:]]
    assert all(series) and len(series) == 2
    totals, assisted = ([int(n) for n in m[2].split(", ")] for m in series)  # type: ignore[index]
    assert len(totals) == len(assisted) == len(categories)
    assert all(a <= t for a, t in zip(assisted, totals, strict=True))  # the AI part is inside


def test_dry_run_needs_no_token_and_reads_the_branch_from_git(
    scenario: Any, run_cli: RunCli, tmp_path: Path
) -> None:
    repo, _, _ = scenario
    base = repo.head()
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feat: cache\n\nAssisted-by: Claude Code\n", when="2026-10-21T10:00:00Z",
                file="cache.txt")  # fmt: skip
    repo.commit("wip", when="2026-10-21T11:00:00Z", empty=True)
    repo.git("checkout", "-q", "main")
    repo.commit("fix: on main", when="2026-10-21T12:00:00Z", file="main.txt")
    repo.git("checkout", "-q", "feature")
    repo.merge("main", when="2026-10-21T13:00:00Z", message="Merge branch 'main' into feature")
    event = tmp_path / "dry-event.json"
    event.write_text(json.dumps({"pull_request": {"number": 9, "base": {"sha": base}}}))
    dry_env = {"GITHUB_REPOSITORY": "acme/api", "GITHUB_EVENT_PATH": str(event),
               "GITHUB_SERVER_URL": "https://ghe.example.com"}  # fmt: skip
    result = run_cli("comment", "--dry-run", *WINDOW, cwd=repo, env=dry_env)
    assert result.exit_code == 0, result.stderr
    assert "nothing posted" in result.stderr
    body = result.stdout
    assert body.startswith(MARKER)
    # Counted: the feature commit and main's fix that the merge brought in; the merge and the
    # empty commit are named and left out.
    assert "**This pull request (#9):** 2 commit(s) · **1 AI-assisted** (50%, claude-code)" in body
    assert "1 merge(s) and 1 empty commit(s) not counted" in body
    assert "*(merge, not counted)*" in body and "wip *(empty, not counted)*" in body
    assert "](https://ghe.example.com/acme/api/commit/" in body
    assert "github.com/acme" not in body  # commit links stay on the Enterprise host


def test_an_oversized_body_stays_well_formed() -> None:
    from deploycount.render.comment import GITHUB_LIMIT, PullCommit, _fit, render_comment
    from tests.test_render import busy_report

    # 90 warnings of 900 characters and 2,000 commits: the warnings are cut and folded, the
    # commits cut to the budget, and the body fits without losing its figures
    report = replace(busy_report(), warnings=["w" * 900] * 90)
    commits = [PullCommit(f"{n:040x}", "x" * 200, False, (), None) for n in range(2000)]
    body = render_comment(report, commits, None, pull=1)
    assert len(body) < GITHUB_LIMIT and "```mermaid" in body
    assert "more commit(s) not shown" in body
    # whatever still overflows is cut at a line, and what the cut left open is closed
    huge = "\n".join(["head", "<details>", "```mermaid", *(["x" * 100] * 1000)])
    cut = _fit(huge)
    assert len(cut) < GITHUB_LIMIT
    lines = cut.splitlines()
    assert sum(line.startswith("```") for line in lines) % 2 == 0
    assert cut.count("<details>") == cut.count("</details>")
    assert "truncated to fit GitHub's comment size limit" in cut


@pytest.mark.parametrize("base", ["main", "master", "trunk"])
def test_a_feature_branch_without_origin_head_finds_its_base(
    tmp_path: Path, run_cli: RunCli, base: str
) -> None:
    """`comment --dry-run` on a feature branch, no event, no origin/HEAD: the base is the local
    main or master, or init.defaultBranch, as git users expect (it once said 'This branch:
    0 commit(s)' and listed the branch's own commits as waiting to ship)."""
    repo = make_repo(tmp_path / "repo")
    repo.git("branch", "-m", base)
    if base == "trunk":
        repo.git("config", "init.defaultBranch", "trunk")
    repo.commit("base", when="2026-10-01T10:00:00Z")
    repo.tag("v1", annotated_at="2026-10-01T11:00:00Z")
    repo.commit("fix: waiting", when="2026-10-02T10:00:00Z", file="main.txt")
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feat: x\n\nAssisted-by: Claude Code\n", when="2026-10-03T10:00:00Z", file="x")
    repo.commit("feat: y", when="2026-10-04T10:00:00Z", file="y")
    result = run_cli("comment", "--dry-run", *WINDOW, cwd=repo)
    assert result.exit_code == 0, result.stderr
    assert "**This branch:** 2 commit(s) · **1 AI-assisted** (50%, claude-code)" in result.stdout
    assert f"Waiting to ship on {base}" in result.stdout
    assert (
        "fix: waiting" in result.stdout
        and "feat: y" not in result.stdout.split("Waiting to ship on")[1]
    )
    assert "warning" not in result.stderr


def test_no_base_branch_is_said(tmp_path: Path, run_cli: RunCli) -> None:
    repo = make_repo(tmp_path / "repo")
    repo.git("branch", "-m", "feature")
    repo.commit("feat: x", when="2026-10-03T10:00:00Z")
    result = run_cli("comment", "--dry-run", *WINDOW, cwd=repo)
    assert result.exit_code == 0, result.stderr
    assert "warning: no base branch found" in result.stderr
    # the body does not say "0 commit(s)" beside the warning: it says they are not known
    assert "0 commit(s)" not in result.stdout
    assert "**This branch:** its own commits are not known here" in result.stdout


def test_a_base_the_event_names_but_this_clone_lacks_is_said(
    tmp_path: Path, run_cli: RunCli
) -> None:
    """The event names `release/2.x` as the base, not fetched: the comment counted the branch
    against main without a word."""
    repo = make_repo(tmp_path / "repo")
    repo.commit("base", when="2026-10-01T10:00:00Z")
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feat: x", when="2026-10-03T10:00:00Z")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 4, "base": {"ref": "release/2.x"}}}))
    result = run_cli("comment", "--dry-run", *WINDOW, cwd=repo,
                     env={"GITHUB_EVENT_PATH": str(event)})  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "base branch release/2.x is not in this clone" in result.stderr
    assert "its own commits are not known here" in result.stdout


@pytest.mark.parametrize(
    ("event", "fragment"),
    [
        ('{"pull_request": "x"}', "pull_request: must be an object, not a string"),
        ('{"pull_request": {"number": 5, "head": "x"}}', "pull_request.head: must be an object"),
        ('{"pull_request": {"number": 5, "base": {"ref": 7}}}', "base.ref: must be a string"),
        ('{"number": true}', "number: must be a whole number, not a boolean"),
        ('{"repository": {"default_branch": []}}', "default_branch: must be a string"),
        ("[1]", "the event: must be an object, not an array"),
        ("[[[", "not JSON"),
        (None, "no such file"),
    ],
)
def test_an_event_of_the_wrong_shape_is_one_line(
    tmp_path: Path, run_cli: RunCli, event: str | None, fragment: str
) -> None:
    """A pull_request that is a string crashed the comment (AttributeError); an event file
    that could not be read was taken for no event, and the comment was about the repository."""
    repo = make_repo(tmp_path / "repo")
    repo.commit("base", when="2026-10-01T10:00:00Z")
    path = tmp_path / "event.json"
    if event is not None:
        path.write_text(event)
    result = run_cli("comment", "--dry-run", "--pr", "5", *WINDOW, cwd=repo,
                     env={"GITHUB_EVENT_PATH": str(path)})  # fmt: skip
    assert result.exit_code == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"deploycount: error: GITHUB_EVENT_PATH {path}") and fragment in line


def test_a_quiet_window_shows_the_last_window_that_held_a_deploy(
    tmp_path: Path, run_cli: RunCli
) -> None:
    """With no deploy in the 28 days asked for, the comment showed a table of zeros; it now
    shows the last window as long that held a deploy, and says so."""
    repo = make_repo(tmp_path / "repo")
    repo.commit("base", when="2026-08-01T10:00:00Z")
    repo.tag("v1.0", annotated_at="2026-08-01T11:00:00Z")
    repo.commit("feat: x\n\nAssisted-by: Claude Code\n", when="2026-08-20T10:00:00Z", file="x")
    repo.tag("v1.1", annotated_at="2026-08-21T10:00:00Z")
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feat: y", when="2026-10-04T10:00:00Z", file="y")
    result = run_cli("comment", "--dry-run", *WINDOW, cwd=repo)
    assert result.exit_code == 0, result.stderr
    body = result.stdout
    assert "#### The team's delivery, 2026-07-25 → 2026-08-22 (4 weeks)" in body
    assert "No deploy in 2026-10-01 → 2026-10-29 (4 weeks): the last window as long" in body
    assert "| Deploys | **1** · 1 with AI-assisted commits |" in body
    assert "(the last was v1.1 on 2026-08-21)" in body
