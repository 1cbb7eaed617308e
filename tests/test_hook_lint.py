"""The prepare-commit-msg hook with real `git commit` calls, and `deploycount lint`."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import GitRepo, RunCli
from tests.test_corpus import corpus_rows

AGENT = {"CLAUDECODE": "1"}


def commit(
    repo: GitRepo, *args: str, env: dict[str, str] | None = None, message: str | None = None
) -> str:
    """A real `git commit` (hooks run), then the message git stored."""
    (repo.path / "f.txt").open("a").write("x\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", *args, env={**os.environ, **(env or {})}, input=message)
    return repo.git("log", "-1", "--format=%B")


@pytest.fixture
def hooked(repo: GitRepo, run_cli: RunCli) -> GitRepo:
    repo.commit("initial")
    result = run_cli("hook", "install", cwd=repo)
    assert result.exit_code == 0, result.stderr
    return repo


def trailers(message: str) -> list[str]:
    out = subprocess.run(
        ["git", "interpret-trailers", "--parse"],
        input=message,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.splitlines()


def test_agent_commit_with_m_gets_the_trailer_where_git_reads_it(hooked: GitRepo) -> None:
    message = commit(hooked, "-m", "feat: add thing", env=AGENT)
    assert trailers(message) == ["Assisted-by: claude-code"]
    assert message.startswith("feat: add thing\n\n")


def test_person_commit_is_left_alone(hooked: GitRepo) -> None:
    assert commit(hooked, "-m", "fix: by hand") == "fix: by hand"


def test_file_message_with_existing_trailers(hooked: GitRepo, tmp_path: Path) -> None:
    path = tmp_path / "msg"
    path.write_text("feat: x\n\nBody text.\n\nSigned-off-by: Dev <dev@example.com>\n")
    message = commit(hooked, "-F", str(path), env={"CURSOR_AGENT": "1"})
    assert trailers(message) == ["Signed-off-by: Dev <dev@example.com>", "Assisted-by: cursor"]


def test_amend_does_not_stack_trailers(hooked: GitRepo) -> None:
    commit(hooked, "-m", "feat: first", env=AGENT)
    message = commit(hooked, "--amend", "--no-edit", env=AGENT)
    assert trailers(message) == ["Assisted-by: claude-code"]


def test_existing_marker_and_declaration_are_respected(hooked: GitRepo) -> None:
    text = "feat: y\n\nCo-authored-by: Claude <noreply@anthropic.com>"
    assert trailers(commit(hooked, "-m", text, env={"GEMINI_CLI": "1"})) == [
        "Co-authored-by: Claude <noreply@anthropic.com>"
    ]
    declared = "feat: z\n\nAI-Assisted: no"
    assert trailers(commit(hooked, "-m", declared, env=AGENT)) == ["AI-Assisted: no"]


def test_forced_tool_and_forced_off(hooked: GitRepo) -> None:
    forced = commit(hooked, "-m", "feat: a", env={"DEPLOYCOUNT_AI_TOOL": "codex"})
    assert trailers(forced) == ["Assisted-by: codex"]
    off = commit(hooked, "-m", "feat: b", env={**AGENT, "DEPLOYCOUNT_AI_TOOL": "none"})
    assert trailers(off) == []


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"AGENT": "jenkins"}, []),  # a CI's own use of the name
        ({"AI_AGENT": "1"}, []),
        ({"AGENT": "buildkite-agent"}, []),
        ({"AGENT": "goose"}, ["Assisted-by: goose"]),
        ({"AI_AGENT": "Claude Code"}, ["Assisted-by: claude-code"]),
        ({"AGENT": "jenkins", "CLAUDECODE": "1"}, ["Assisted-by: claude-code"]),
    ],
)
def test_generic_agent_variables_tag_only_a_known_agent(
    hooked: GitRepo, run_cli: RunCli, env: dict[str, str], expected: list[str]
) -> None:
    """`AGENT=jenkins git commit` once got `Assisted-by: other`, which lint then flagged."""
    message = commit(hooked, "-m", "feat: x", env=env)
    assert trailers(message) == expected
    linted = run_cli("lint", cwd=hooked)
    assert linted.exit_code == 0 and "warning" not in linted.stdout, linted.stdout


def test_a_forced_unknown_tool_is_said_and_not_written(hooked: GitRepo) -> None:
    (hooked.path / "f.txt").open("a").write("x\n")
    hooked.git("add", "-A")
    done = subprocess.run(
        ["git", "commit", "-q", "-m", "feat: y"], cwd=hooked.path, capture_output=True,
        text=True, env={**os.environ, "DEPLOYCOUNT_AI_TOOL": "my-own-bot"}, check=True,
    )  # fmt: skip
    assert trailers(hooked.git("log", "-1", "--format=%B")) == []
    assert "DEPLOYCOUNT_AI_TOOL=my-own-bot names no tool deploycount knows" in done.stderr


def test_merge_commits_are_left_alone(hooked: GitRepo) -> None:
    hooked.git("checkout", "-q", "-b", "topic")
    commit(hooked, "-m", "topic work")
    hooked.git("checkout", "-q", "main")
    (hooked.path / "other.txt").write_text("y\n")
    hooked.git("add", "-A")
    hooked.git("commit", "-q", "-m", "main work")
    hooked.git("merge", "-q", "--no-ff", "--no-edit", "topic", env={**os.environ, **AGENT})
    assert trailers(hooked.git("log", "-1", "--format=%B")) == []


def test_existing_hook_is_chained_and_restored(repo: GitRepo, run_cli: RunCli) -> None:
    repo.commit("initial")
    original = repo.path / ".git" / "hooks" / "prepare-commit-msg"
    script = "#!/bin/sh\nprintf '\\nTicket: ABC-1\\n' >> \"$1\"\n"
    original.write_text(script)
    original.chmod(0o755)
    result = run_cli("hook", "install", cwd=repo)
    assert "run first" in result.stderr
    message = commit(repo, "-m", "feat: chained\n", env=AGENT)
    assert trailers(message) == ["Ticket: ABC-1", "Assisted-by: claude-code"]
    assert run_cli("hook", "install", cwd=repo).exit_code == 0  # reinstalling keeps the chain
    assert run_cli("hook", "uninstall", cwd=repo).exit_code == 0
    assert original.read_text() == script
    assert not (original.parent / "prepare-commit-msg.deploycount-chained").exists()


def test_core_hooks_path_is_honoured(repo: GitRepo, run_cli: RunCli) -> None:
    repo.commit("initial")
    repo.git("config", "core.hooksPath", ".githooks")
    assert run_cli("hook", "install", cwd=repo).exit_code == 0
    assert (repo.path / ".githooks" / "prepare-commit-msg").exists()
    assert not (repo.path / ".git" / "hooks" / "prepare-commit-msg").exists()
    assert trailers(commit(repo, "-m", "feat: via hooksPath", env=AGENT)) == [
        "Assisted-by: claude-code"
    ]


def test_uninstall_refuses_someone_elses_hook(repo: GitRepo, run_cli: RunCli) -> None:
    hook = repo.path / ".git" / "hooks" / "prepare-commit-msg"
    hook.write_text("#!/bin/sh\nexit 0\n")
    result = run_cli("hook", "uninstall", cwd=repo)
    assert result.exit_code == 2
    assert hook.exists()


LINT_CASES = [
    ("feat\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\nMore text.\n", "not-a-trailer", 3),
    ("feat\n\nsome text\nmore text\nAssisted-by: claude\nand text\n", "not-a-trailer", 5),
    ("feat\n\nCoauthored-by: Claude <noreply@anthropic.com>\n", "misspelled-key", 3),
    ("feat\n\nAssisted by: claude\n", "misspelled-key", 3),
    ("feat\n\nAI-Asisted: yes\n", "misspelled-key", 3),
    ("feat\n\nCo-authored-by: Claude noreply@anthropic.com\n", "bad-co-author", 3),
    ("feat\n\nAssisted-by: SkyNet 9000\n", "unknown-tool", 3),
    ("feat\n\nCopilot-Session: f886\n\nMore text.\n", "not-a-trailer", 3),
    ("feat\n\nCo-authored-by-AI: Crush\n\nMore text.\n", "not-a-trailer", 3),
]


def test_lint_says_a_misplaced_marker_counts_at_medium_only(
    tmp_path: Path, run_cli: RunCli
) -> None:
    path = tmp_path / "msg"
    path.write_text(LINT_CASES[0][0])
    [finding] = run_cli(
        "lint", "--message-file", str(path), "--format", "json", cwd=tmp_path
    ).json()
    assert "at medium confidence only" in finding["message"]
    # a misplaced human co-author is not counted at all: the message does not say it is
    path.write_text("feat\n\nCo-authored-by: Dev Two <dev2@example.com>\n\nMore text.\n")
    [finding] = run_cli(
        "lint", "--message-file", str(path), "--format", "json", cwd=tmp_path
    ).json()
    assert finding["code"] == "not-a-trailer" and "medium" not in finding["message"]


@pytest.mark.parametrize(("message", "code", "line"), LINT_CASES)
def test_lint_finds_each_problem(
    tmp_path: Path, run_cli: RunCli, message: str, code: str, line: int
) -> None:
    path = tmp_path / "COMMIT_EDITMSG"
    path.write_text(message)
    result = run_cli("lint", "--message-file", str(path), "--format", "json", cwd=tmp_path)
    findings = json.loads(result.stdout)
    assert [(f["code"], f["line"]) for f in findings] == [(code, line)]
    assert findings[0]["file"] == str(path)
    assert findings[0]["fix"]
    assert result.exit_code == (0 if code == "unknown-tool" else 1)


def test_lint_clean_message_and_case_differences(tmp_path: Path, run_cli: RunCli) -> None:
    path = tmp_path / "msg"
    path.write_text(
        "feat\n\nCo-Authored-By: Claude <noreply@anthropic.com>\nASSISTED-BY: copilot\n"
    )
    result = run_cli("lint", "--message-file", str(path), cwd=tmp_path)
    assert result.exit_code == 0
    assert result.stdout == ""


def test_lint_commits_and_github_annotations(repo: GitRepo, run_cli: RunCli) -> None:
    first = repo.commit("good\n\nAssisted-by: claude\n")
    bad = repo.commit("bad\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\nsee above\n")
    result = run_cli("lint", f"{first}..HEAD", cwd=repo, env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{bad[:12]}:3: error: 'Co-authored-by:' will not be read")
    assert lines[1].startswith(f"::error title=deploycount lint {bad[:12]}::")
    assert "1 message(s) checked: 1 error(s)" in result.stderr
    assert run_cli("lint", cwd=repo).exit_code == 1  # default: the newest commit only


@pytest.mark.corpus
def test_lint_on_the_real_corpus(tmp_path: Path, run_cli: RunCli) -> None:
    """How many real commits carry an AI marker git does not read (the count is in the note)."""
    from deploycount.attribution import builtin_markers
    from deploycount.commands.lint import lint_message

    rows = corpus_rows()
    codes: dict[str, int] = {}
    for row in rows:
        for finding in lint_message(row["message"], builtin_markers()):
            codes[finding.code] = codes.get(finding.code, 0) + 1
    print("corpus lint findings:", codes)
    # The corpus does hold markers git cannot read (e.g. a Co-authored-by before a footer).
    assert codes.get("not-a-trailer", 0) >= 1
