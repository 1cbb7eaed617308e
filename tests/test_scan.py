"""`deploycount scan`: every signal row of README "Attribution", on real commits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import DEV, GitRepo, RunCli

NOREPLY_COPILOT = "Copilot <198982749+Copilot@users.noreply.github.com>"

# (message, author, committer, expected ai_assisted, tools, strongest confidence, signal name)
CASES = [
    (
        "feat\n\nAssisted-by: Claude:claude-opus-4 coccinelle\n",
        DEV,
        None,
        True,
        ["claude-code"],
        "high",
        "assisted-by",
    ),
    (
        "feat\n\nAssisted-by: some internal tool\n",
        DEV,
        None,
        True,
        ["other"],
        "high",
        "assisted-by",
    ),
    (
        "feat\n\nGenerated-by: GitHub Copilot\n",
        DEV,
        None,
        True,
        ["copilot"],
        "high",
        "generated-by",
    ),
    ("feat\n\nAI-Assisted: yes\n", DEV, None, True, ["other"], "high", "ai-assisted"),
    ("feat\n\nAI-Assisted: Gemini\n", DEV, None, True, ["gemini"], "high", "ai-assisted"),
    (
        "feat\n\nco-authored-by: Claude Opus 4.6 <NOREPLY@anthropic.com>\n",
        DEV,
        None,
        True,
        ["claude-code"],
        "high",
        "co-authored-by",
    ),
    (
        "feat\n\nCo-developed-by: Codex <codex@openai.com>\n",
        DEV,
        None,
        True,
        ["codex"],
        "high",
        "co-developed-by",
    ),
    (
        "feat\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>\n",
        DEV,
        None,
        True,
        ["copilot"],
        "high",
        "co-authored-by",
    ),
    (
        "feat",
        "google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>",
        None,
        True,
        ["jules"],
        "high",
        "author",
    ),
    ("feat", DEV, "Cursor Agent <cursoragent@cursor.com>", True, ["cursor"], "high", "committer"),
    (
        "feat",
        "devin-ai-integration[bot] <158243242+devin-ai-integration[bot]@users.noreply.github.com>",
        None,
        True,
        ["devin"],
        "high",
        "author",
    ),
    ("feat", "OpenHands <openhands@all-hands.dev>", None, True, ["openhands"], "high", "author"),
    (
        "feat",
        "amazon-q-developer[bot] <208079219+amazon-q-developer[bot]@users.noreply.github.com>",
        None,
        True,
        ["amazon-q"],
        "high",
        "author",
    ),
    ("feat", "Amp <amp@ampcode.com>", None, True, ["amp"], "high", "author"),
    ("feat", "opencode <noreply@opencode.ai>", None, True, ["opencode"], "high", "author"),
    (
        "feat",
        "gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@users.noreply.github.com>",
        None,
        True,
        ["gemini"],
        "high",
        "author",
    ),
    ("feat", "aider (gpt-5) <noreply@aider.chat>", None, True, ["aider"], "high", "author"),
    ("feat", NOREPLY_COPILOT, None, True, ["copilot"], "high", "author"),
    (
        "feat\n\nClaude-Session: https://claude.ai/code/session_1\n",
        DEV,
        None,
        True,
        ["claude-code"],
        "high",
        "claude-session",
    ),
    (
        "feat\n\nAgent-Logs-Url: https://github.com/o/r/sessions/1\n",
        DEV,
        None,
        True,
        ["copilot"],
        "high",
        "agent-logs-url",
    ),
    (
        "feat\n\nAmp-Thread-ID: https://ampcode.com/threads/T-1\n",
        DEV,
        None,
        True,
        ["amp"],
        "high",
        "amp-thread-id",
    ),
    ("feat\n\nMade-with: Cursor\n", DEV, None, True, ["cursor"], "high", "made-with"),
    (
        "feat\n\nReplit-Commit-Author: Agent\n",
        DEV,
        None,
        True,
        ["replit"],
        "high",
        "replit-commit-author",
    ),
    (
        "feat\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n",
        DEV,
        None,
        True,
        ["claude-code"],
        "medium",
        "footer",
    ),
    (
        "feat\n\nðŸ¤– Generated with [Claude Code](https://claude.com/claude-code)\n",
        DEV,
        None,
        True,
        ["claude-code"],
        "medium",
        "footer",
    ),
    (
        "feat\n\nGenerated with [opencode](https://opencode.ai)\n",
        DEV,
        None,
        True,
        ["opencode"],
        "medium",
        "footer",
    ),
    ("aider: fix the parser", DEV, None, True, ["aider"], "medium", "subject"),
    (
        "feat",
        DEV,
        "Dev One (aider) <dev1@example.com>",
        True,
        ["aider"],
        "medium",
        "committer-name",
    ),
    ("feat: ask Claude to review this later", DEV, None, False, [], "low", "mention"),
    # Not a trailer: the marker is not in the last paragraph, so git (and GitHub) ignore it;
    # it is still evidence, at medium confidence only.
    (
        "feat\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\nMore text after it.\n",
        DEV,
        None,
        True,
        ["claude-code"],
        "medium",
        "misplaced-trailer",
    ),
    # The developer's declaration wins over every other marker.
    (
        "feat\n\nAI-Assisted: no\nCo-authored-by: Claude <noreply@anthropic.com>\n",
        DEV,
        None,
        False,
        [],
        None,
        "declared-not-assisted",
    ),
    ("plain human commit", DEV, None, False, [], None, None),
    # A bot that is not an AI tool is not AI assistance.
    (
        "chore(deps): bump",
        "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
        None,
        False,
        [],
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("message", "author", "committer", "ai", "tools", "confidence", "signal"), CASES
)
def test_signal(
    repo: GitRepo,
    run_cli: RunCli,
    message: str,
    author: str,
    committer: str | None,
    ai: bool,
    tools: list[str],
    confidence: str | None,
    signal: str | None,
) -> None:
    sha = repo.commit(message, author=author, committer=committer)
    result = run_cli("scan", "--format", "json", "-n", "1", cwd=repo)
    assert result.exit_code == 0, result.stderr
    [row] = result.json()
    assert row["sha"] == sha
    assert row["ai_assisted"] is ai
    assert row["tools"] == tools
    assert row["confidence"] == confidence
    names = [s["signal"] for s in row["signals"]]
    if signal is None:
        assert names == []
    else:
        assert signal in names


def test_low_confidence_counts_only_when_asked(repo: GitRepo, run_cli: RunCli) -> None:
    repo.commit("feat: pair-programmed with Claude")
    [row] = run_cli("scan", "--format", "json", "--min-confidence", "low", cwd=repo).json()
    assert row["ai_assisted"] is True and row["tools"] == ["claude-code"]
    [row] = run_cli("scan", "--format", "json", cwd=repo).json()
    assert row["ai_assisted"] is False


def test_config_adds_identities_and_trailer_keys(repo: GitRepo, run_cli: RunCli) -> None:
    (repo.path / ".deploycount.toml").write_text(
        '[attribution]\nmin_confidence = "high"\ntrailers = ["X-AI-Agent"]\n'
        '[attribution.identities]\ncodex = ["ci-agent@corp.example.com", "corp-agent[bot]"]\n'
    )
    repo.commit("one", author="CI agent <ci-agent@corp.example.com>")
    repo.commit("two", author="corp-agent[bot] <9+corp-agent[bot]@users.noreply.github.com>")
    repo.commit("three\n\nX-AI-Agent: Claude\n")
    repo.commit("four\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n")
    rows = run_cli("scan", "--format", "json", cwd=repo).json()
    assert [(r["ai_assisted"], r["tools"]) for r in rows] == [
        (False, []),  # medium footer, but min_confidence is high in config
        (True, ["claude-code"]),
        (True, ["codex"]),
        (True, ["codex"]),
    ]


def test_scan_table_and_revrange(repo: GitRepo, run_cli: RunCli) -> None:
    """A row says what `git log` readers look for (sha, date, author, subject) beside the
    verdict; signals go on a line below (rows once had no subject, date or author)."""
    first = repo.commit("one\n\nAssisted-by: aider\n", when="2026-10-01T10:00:00Z")
    second = repo.commit("two: the second change", author="Bo Lee <bo@example.com>",
                         when="2026-10-02T10:00:00Z")  # fmt: skip
    result = run_cli("scan", f"{first}..HEAD", cwd=repo)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[0].split()[:4] == ["sha", "date", "author", "AI"]
    # 80 columns (no COLUMNS): the subject takes what is left and is cut with …
    assert lines[1].split()[:8] == [second[:8], "2026-10-02", "Bo", "Lee", "no", "-", "-", "two:"]
    assert max(len(line) for line in lines) <= 80 and lines[1].endswith("…")
    wide = run_cli("scan", f"{first}..HEAD", cwd=repo, env={"COLUMNS": "120"}).stdout
    assert wide.splitlines()[1].endswith("two: the second change")
    assert "0 of 1 commits" in result.stderr
    tagged = run_cli("scan", "-n", "2", cwd=repo).stdout.splitlines()
    assert (
        tagged[2].startswith(first[:8]) and "yes  aider" in tagged[2] and tagged[2].endswith("one")
    )
    assert tagged[3].strip() == "signals: assisted-by=aider (high)"


def test_messages_with_any_bytes(repo: GitRepo, run_cli: RunCli) -> None:
    """Invalid UTF-8 and a huge body are read without error."""
    tree = repo.git("write-tree")
    body = b"subject \xff\xfe\n\n" + b"x" * 2_000_000 + b"\n\nAssisted-by: Claude \xc3\n"
    raw = (
        f"tree {tree}\nauthor A <a@example.com> 1790000000 +0000\n"
        f"committer A <a@example.com> 1790000000 +0000\n\n"
    ).encode() + body
    path = repo.path.parent / "obj"
    path.write_bytes(raw)
    sha = repo.git("hash-object", "-t", "commit", "-w", str(path))
    repo.git("update-ref", "refs/heads/main", sha)
    [row] = run_cli("scan", "--format", "json", cwd=repo).json()
    assert row["sha"] == sha
    assert row["ai_assisted"] is True and row["tools"] == ["claude-code"]


def test_git_runs_from_the_moment_the_stream_is_running(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`running` starts git at once (scan loads its config meanwhile): the log is complete even
    though the repository is gone by the time it is read. git's own trace says when it ended,
    so the test waits for that, not for a guess of how long it takes."""
    import time

    from deploycount.attribution import builtin_markers
    from deploycount.git import running
    from deploycount.history.reading import load_history
    from deploycount.repository import Repository

    shas = [repo.commit(f"change {n}", when=f"2026-10-0{n}T10:00:00Z") for n in (1, 2, 3)]
    trace = tmp_path / "trace2.json"
    monkeypatch.setenv("GIT_TRACE2_EVENT", str(trace))
    fields, chunks = Repository(repo.path).log_range_chunks(["HEAD"])
    chunks = running(chunks)

    def log_ended() -> bool:
        events = [json.loads(line) for line in trace.read_text().splitlines()]
        logs = {e["sid"] for e in events if e["event"] == "cmd_name" and e["name"] == "log"}
        return any(e["event"] == "exit" and e["sid"] in logs for e in events)

    deadline = time.monotonic() + 60
    while not log_ended():
        assert time.monotonic() < deadline, "git log never ended"
        time.sleep(0.01)
    (repo.path / ".git").rename(repo.path / "moved")
    history = load_history(fields, chunks, builtin_markers(), mentions=True)
    assert [history.sha(row) for row in range(len(history))] == shas[::-1]


def test_a_subject_holding_a_line_separator_is_its_commit_s_alone(
    repo: GitRepo, run_cli: RunCli
) -> None:
    """Subjects were read back split at every line break Python knows (U+2028, \\x1c, \\x85):
    a subject of `text U+2028 <another commit's sha> words` showed `words` as that other
    commit's subject in `scan`, and its own subject cut short."""
    first = repo.commit("feat: the real subject", when="2026-10-01T10:00:00Z")
    second = repo.commit(f"fix: mine\u2028{first} spoofed words\x1cmore",
                         when="2026-10-02T10:00:00Z")  # fmt: skip
    lines = run_cli("scan", cwd=repo, env={"COLUMNS": "200"}).stdout.splitlines()
    rows = {line[:8]: line for line in lines[1:]}
    assert rows[first[:8]].endswith("feat: the real subject"), rows
    assert "spoofed" not in rows[first[:8]] and "spoofed" in rows[second[:8]], rows
