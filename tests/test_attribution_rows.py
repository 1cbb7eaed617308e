"""Every signal row of README "Attribution" added for how agents write commits in 2026, the tool
rules (an identity beats text, an agent beats a model) and git-ai authorship notes. Pure calls of
`attribute`; `test_scan.py` and `test_git_ai_notes` go through real repositories."""

from __future__ import annotations

import json
from typing import Any

import pytest

from deploycount.attribution import BUILTIN_TOOL_IDS, Attributor, attribute, builtin_markers
from deploycount.identity import Confidence, Person
from tests.conftest import DEV, GitRepo, RunCli
from tests.history_rows import Row, build

ME = Person("Dev One", "dev1@example.com")
MEDIUM = Confidence.MEDIUM


def verdict(message: str, author: Person = ME, committer: Person | None = None, notes: str = "") -> tuple[bool, tuple[str, ...], list[str]]:  # fmt: skip
    attribution = attribute(
        message, author, committer or author, builtin_markers(), mentions=False, notes=notes
    )
    return (
        attribution.is_ai(MEDIUM),
        attribution.tools(MEDIUM),
        [f"{s.signal}:{s.confidence.label}" for s in attribution.signals],
    )


def bot(login: str, user_id: int = 1234) -> Person:
    return Person(login, f"{user_id}+{login}@users.noreply.github.com")


@pytest.mark.parametrize(
    ("author", "tool"),
    [
        (bot("roomote[bot]"), "roo-code"),
        (bot("roomote-v0[bot]"), "roo-code"),
        (bot("cline[bot]"), "cline"),
        (bot("cline-cloud[bot]"), "cline"),
        (Person("Cline", "noreply@cline.bot"), "cline"),
        (Person("Cline Agent", "cline-agent@users.noreply.github.com"), "cline"),
        (bot("factory-droid[bot]"), "factory"),
        (Person("Oz", "oz-agent@warp.dev"), "warp"),
        (bot("cursor[bot]"), "cursor"),
        (bot("copilot[bot]"), "copilot"),
        (bot("openai-codex[bot]"), "codex"),
        (bot("gemini-cli[bot]"), "gemini"),
        (bot("anthropic-claude[bot]"), "claude-code"),
        (bot("claude-code-action[bot]"), "claude-code"),
        (bot("continue[bot]"), "continue"),
        (bot("sourcegraph-cody[bot]"), "cody"),
        (bot("jetbrains-ai[bot]"), "jetbrains"),
        (Person("Nori", "contact@tilework.tech"), "nori"),
        (Person("Crush", "crush@charm.land"), "crush"),
        (Person("Roo Code", "roomote@roocode.com"), "roo-code"),
        # seen in real histories, missed by the tables before
        (Person("Continue", "noreply@continue.dev"), "continue"),
        (Person("Continue Agent", "agent@continue.dev"), "continue"),
        (bot("cubic-dev-ai[bot]"), "cubic"),
        (Person("Codex Agent", "codex-bot@corp.example.com"), "codex"),
    ],
)
def test_agent_identities_commit_and_co_author(author: Person, tool: str) -> None:
    assert verdict("feat: x", author=author)[:2] == (True, (tool,))
    co_authored = f"feat: x\n\nCo-authored-by: {author.name} <{author.email}>\n"
    assert verdict(co_authored)[:2] == (True, (tool,))


@pytest.mark.parametrize(
    ("login", "tool"),
    [("ellipsis-dev[bot]", "ellipsis"), ("greptile-apps[bot]", "greptile"),
     ("coderabbitai[bot]", "coderabbit")],
)  # fmt: skip
def test_ai_reviewer_suggestions_committed_as_co_author(login: str, tool: str) -> None:
    message = (
        f"fix: apply suggestion\n\nCo-authored-by: {login} <123+{login}@users.noreply.github.com>\n"
    )
    assert verdict(message)[:2] == (True, (tool,))


@pytest.mark.parametrize(
    ("trailer", "tool"),
    [
        ("Copilot-Session: f886cd42-d3af-4244-92ca-f284082ce74a", "copilot"),
        ("Amp-Thread: https://ampcode.com/threads/T-123", "amp"),
        ("Amp-Thread-ID: https://ampcode.com/threads/T-123", "amp"),
        ("Agent-Signature: platform: Claude Code", "claude-code"),
        ("Entire-Session: 1da2f5a8-169a-4579-80eb-38a7b3778f27", "other"),
        ("Entire-Agent: Claude Code", "claude-code"),
        ("Co-authored-by-AI: Claude <noreply@anthropic.com>", "claude-code"),
        ("Co-authored-by-AI: Cursor", "cursor"),
        ("Replit-Commit-Author: Assistant", "replit"),
        ("Replit-Commit-Author: Agent", "replit"),
        ("Claude-Session: https://claude.ai/code/session_01", "claude-code"),
        ("Made-with: Cursor", "cursor"),
    ],
)
def test_session_trailers(trailer: str, tool: str) -> None:
    is_ai, tools, signals = verdict(f"feat: x\n\nBody.\n\n{trailer}\n")
    assert (is_ai, tools) == (True, (tool,))
    assert signals[0].endswith(":high")


def test_session_trailer_values_that_are_not_agents() -> None:
    assert verdict("feat\n\nReplit-Commit-Author: Human\n")[:2] == (False, ())
    assert verdict("feat\n\nMade-with: love\n")[:2] == (False, ())


def test_entire_session_and_agent_together_name_the_agent() -> None:
    message = "Checkpoint: a1\n\nEntire-Session: 2026-x\nEntire-Strategy: manual-commit\nEntire-Agent: Claude Code\n"
    assert verdict(message)[:2] == (True, ("claude-code",))


@pytest.mark.parametrize(
    ("message", "tool"),
    [
        (
            "feat\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n",
            "claude-code",
        ),
        (
            "feat\n\nGenerated by [Claude Code](https://claude.ai/code/session_01abc)\n",
            "claude-code",
        ),
        (
            "feat\n\n*Generated by [Claude Code](https://claude.ai/code/session_01abc)*\n",
            "claude-code",
        ),
        ("feat\n\n_Generated by Claude Code_\n", "claude-code"),
        (
            "feat\n\nGenerated by [Claude\nCode](https://claude.ai/code/session_01abc)\n",
            "claude-code",
        ),
        (
            "feat\n\n🤖 Generated\nwith [Claude Code](https://claude.com/claude-code)\n",
            "claude-code",
        ),
        ("feat\n\n💘 Generated with Crush\n", "crush"),
        ("feat\n\nGenerated with Crush\n\nCo-Authored-By: Dev <d@example.com>\n", "crush"),
        ("feat\n\nGenerated with [Nori](https://tilework.tech)\n", "nori"),
        ("feat\n\nâ€ Generated with [opencode](https://opencode.ai)\n", "opencode"),
        ("feat\n\nGENERATED WITH CLAUDE CODE\n", "claude-code"),
    ],
)
def test_footers(message: str, tool: str) -> None:
    is_ai, tools, signals = verdict(message)
    assert (is_ai, tools) == (True, (tool,))
    assert "footer:medium" in signals


def test_footer_words_in_prose_do_not_count() -> None:
    assert verdict("feat\n\nThe parser was generated with yacc, not with Claude.\n")[:2] == (
        False,
        (),
    )
    assert verdict("feat\n\nRegenerated with crushed data\n")[:2] == (False, ())


@pytest.mark.parametrize(
    "message",
    [
        # an orchestrator appended another trailer-like paragraph after the co-author
        "feat: x\n\nBody.\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n\nTask-Id: 42\nRun: 7\n",
        # a squash merge lists each commit's co-author above GitHub's divider line
        "feat: squash (#12)\n\n* part one\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\n* part two\n\n---------\n\nCo-authored-by: Dev Two <dev2@example.com>\n",
        # a session trailer in a paragraph placed after the co-author paragraph
        "fix\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\nsome words about it\n",
        # git's 25 % rule rejects the last paragraph
        "fix\n\nThis paragraph has words\nand more words\nand even more words\nAssisted-by: Claude\n",
    ],
)
def test_misplaced_trailers_count_at_medium_only(message: str) -> None:
    is_ai, tools, signals = verdict(message)
    assert is_ai and tools == ("claude-code",)
    assert "misplaced-trailer:medium" in signals
    attribution = attribute(message, ME, ME, builtin_markers(), mentions=False)
    assert not attribution.is_ai(Confidence.HIGH)


def test_misplaced_copilot_session_after_the_co_author_paragraph() -> None:
    message = "fix\n\nCo-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>\n\nCopilot-Session: f886cd42\nReviewed: yes\nnot a trailer line\nstill not\nnor this\n"
    is_ai, tools, signals = verdict(message)
    assert is_ai and tools == ("copilot",)
    assert "co-authored-by:high" not in signals  # not in the last paragraph
    assert signals.count("misplaced-trailer:medium") == 2


def test_misplaced_lines_that_are_not_markers_do_not_count() -> None:
    # a human co-author, prose, indented code and the subject are never misplaced markers
    for message in (
        "fix\n\nCo-authored-by: Dev Two <dev2@example.com>\n\nmore\n",
        "fix\n\nWe should add Co-authored-by: Claude <noreply@anthropic.com> to the docs\n\nmore\n",
        "docs: trailers\n\n    Co-authored-by: Claude <noreply@anthropic.com>\n\nis the form\n",
        "Co-authored-by: Claude <noreply@anthropic.com>",
    ):
        assert verdict(message)[:2] == (False, ()), message


@pytest.mark.parametrize(
    ("value", "tool"),
    [
        ("Crush:claude-opus-4-6", "crush"),
        ("Claude Opus 4.7 via Crush <crush@charm.land>", "crush"),
        ("Claude Opus 4.7 via Crush", "crush"),
        ("Cursor claude-4.5", "cursor"),
        ("claude-4.5 Cursor", "cursor"),
        ("Claude:claude-3-opus coccinelle sparse", "claude-code"),
        ("Codex:gpt-5-codex", "codex"),
        ("Gemini CLI (gemini-2.5-pro)", "gemini"),
        ("gemini-2.5-pro via Cline", "cline"),
        ("Claude Code (claude-opus-4)", "claude-code"),
        ("claude-opus-4", "claude-code"),  # a model alone: its maker's agent
        ("gpt-5", "other"),
        ("Copilot <223556219+Copilot@users.noreply.github.com>", "copilot"),
        ("Aider <noreply@aider.chat>", "aider"),
    ],
)
def test_agent_beats_model_and_identity_beats_text(value: str, tool: str) -> None:
    for key in ("Assisted-by", "Generated-By"):
        assert verdict(f"feat\n\n{key}: {value}\n")[:2] == (True, (tool,)), key


def test_people_at_ai_companies_are_people() -> None:
    for person in (Person("Ann", "ann@anthropic.com"), Person("Olu", "olu@openai.com"),
                   Person("Gus", "gus@cursor.com")):  # fmt: skip
        assert verdict("feat", author=person)[:2] == (False, ())
        assert verdict(f"feat\n\nCo-authored-by: {person.name} <{person.email}>\n")[:2] == (
            False,
            (),
        )
        assert builtin_markers().is_human(person)


def test_non_ai_bots_are_not_people_and_not_ai() -> None:
    dependabot = bot("dependabot[bot]", 49699333)
    assert verdict("chore: bump", author=dependabot)[:2] == (False, ())
    assert not builtin_markers().is_human(dependabot)


def test_mentions_stay_low() -> None:
    attribution = attribute("feat: port the Cline and Kiro configs", ME, ME, builtin_markers())
    assert not attribution.is_ai(MEDIUM)
    assert {s.tool for s in attribution.signals} == {"cline", "kiro"}


def test_the_tables_define_exactly_the_built_in_tools() -> None:
    assert builtin_markers().tool_ids == BUILTIN_TOOL_IDS


# -- git-ai authorship notes ------------------------------------------------------------------


def git_ai_note(tool: str | None, *, attested: bool = True, section: str = "sessions") -> str:
    sessions = (
        {"s_abc123": {"agent_id": {"tool": tool, "id": "x", "model": "gpt-5"}}} if tool else {}
    )
    humans = {"h_111": {"author": "Dev One"}}
    files = (
        "src/app.py\n  s_abc123::t_1 1-10,12\n  h_111 11\n"
        if attested
        else "src/app.py\n  h_111 1-3\n"
    )
    body = {
        "schema_version": "authorship/3.0.0",
        "base_commit_sha": "x",
        section: sessions,
        "humans": humans,
    }
    return f"{files}---\n{json.dumps(body, indent=2)}\n"


@pytest.mark.parametrize(
    ("tool", "expected"),
    [("codex", "codex"), ("claude", "claude-code"), ("cursor", "cursor"),
     ("github-copilot-jetbrains", "copilot"), ("some-new-agent", "other")],
)  # fmt: skip
def test_git_ai_note_names_the_tool(tool: str, expected: str) -> None:
    for section in ("sessions", "prompts"):
        is_ai, tools, signals = verdict("feat: x", notes=git_ai_note(tool, section=section))
        assert (is_ai, tools, signals) == (True, (expected,), ["git-ai-note:high"])


@pytest.mark.parametrize(
    "note",
    [
        git_ai_note("codex", attested=False),  # only human lines
        git_ai_note(None),  # no agent
        "just a note someone wrote\n",
        "src/a.py\n  s_1 1\n---\n{not json",
        'src/a.py\n  s_1 1\n---\n{"schema_version": "other/1", "sessions": {"s_1": {"agent_id": {"tool": "codex"}}}}',
        "src/a.py\n  s_1 1\n---\n[1, 2]",
    ],
)
def test_git_ai_notes_that_attribute_no_line_to_an_agent(note: str) -> None:
    assert verdict("feat: x", notes=note)[:2] == (False, ())


def test_fast_path_reads_notes_too() -> None:
    note = git_ai_note("codex")
    attributor = Attributor(builtin_markers(), mentions=False)
    assert attributor("feat: x", "Dev", "d@x", "Dev", "d@x", notes=note).tools(MEDIUM) == ("codex",)


def test_git_ai_note_read_from_a_real_notes_ref(
    repo: GitRepo, run_cli: RunCli, tmp_path: Any
) -> None:
    repo.commit("base")
    human = repo.commit("fix: by hand")
    agent = repo.commit("feat: by codex")
    note_file = tmp_path / "note.txt"
    note_file.write_text(git_ai_note("codex"))
    repo.git("notes", "--ref=ai", "add", "-F", str(note_file), agent)
    repo.git("notes", "add", "-m", "an unrelated default note", human)  # refs/notes/commits
    result = run_cli("scan", "--format", "json", "-n", "2", cwd=repo)
    assert result.exit_code == 0, result.stderr
    rows = {row["sha"]: row for row in result.json()}
    assert rows[agent]["tools"] == ["codex"]
    assert "git-ai-note" in [s["signal"] for s in rows[agent]["signals"]]
    assert rows[human]["ai_assisted"] is False


def test_git_ai_notes_fetched_from_the_remote(
    repo: GitRepo, run_cli: RunCli, tmp_path: Any
) -> None:
    """A fresh clone has no notes: the report fetches the remote's refs/notes/ai (into its own
    ref, leaving the user's refs/notes/ai alone) and credits the commit."""
    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v0")
    agent = repo.commit("feat: by claude", when="2026-10-02T10:00:00Z")
    repo.tag("v1")
    note_file = tmp_path / "note.txt"
    note_file.write_text(git_ai_note("claude"))
    repo.git("notes", "--ref=ai", "add", "-F", str(note_file), agent)
    clone = tmp_path / "clone"
    repo.git("clone", "-q", str(repo.path), str(clone))
    result = run_cli(
        "report", "--format", "json", "--since", "2026-10-01", "--until", "2026-10-29",
        cwd=clone,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.json()["totals"]["tools"] == {"claude-code": 1}
    local = GitRepo(clone)
    assert local.git("for-each-ref", "refs/notes/ai") == ""


def test_a_note_with_a_nul_byte_does_not_shift_the_stream(repo: GitRepo, run_cli: RunCli) -> None:
    repo.commit("base")
    sha = repo.commit("feat: x\n\nAssisted-by: Cursor\n")
    blob = repo.git("hash-object", "-w", "--stdin", input="p\0q\n")
    repo.git("notes", "--ref=ai", "add", "-C", blob, sha)
    result = run_cli("scan", "--format", "json", cwd=repo)
    assert result.exit_code == 0, result.stderr
    rows = result.json()
    assert [r["tools"] for r in rows] == [["cursor"], []]
    assert rows[1]["author"] == DEV


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("_Claude Opus 4 on behalf of someone_", (True, ("claude-code",), ["signature:medium"])),
        ("_GPT-5 on behalf of person-h7_", (True, ("codex",), ["signature:medium"])),
        ("_Gemini 2.5 Pro on behalf of a team_", (True, ("gemini",), ["signature:medium"])),
        # a person signing for a company is not a model's signature
        ("Signed on behalf of ACME Corp", (False, (), [])),
        ("_Reviewed on behalf of the security team_", (False, (), [])),
        # Copilot wrote the message, not (as far as the line says) the code: low, not counted
        ("(Commit message generated by Copilot)", (False, (), ["message-generated:low"])),
    ],
)
def test_signature_lines(line: str, expected: tuple[bool, tuple[str, ...], list[str]]) -> None:
    assert verdict(f"fix: the thing\n\nSome body.\n\n{line}\n") == expected


# -- agents the tables missed (issue 35.7), and two design points ---------------------------

DEV_PERSON = Person("Dev One", "dev1@example.com")


@pytest.mark.parametrize(
    ("message", "author", "tools"),
    [
        # Cursor's background agent: the run link a squash brings into the body
        ("feat: add retries (#41)\n\n* add retries\n\n"
         "https://cursor.com/agents?id=bc-6f0e1d2c-1a2b-4c3d-9e8f-0a1b2c3d4e5f", DEV_PERSON,
         ("cursor",)),
        ("fix: flaky test (#7)\n\nbackground agent run: "
         "https://cursor.com/background-agent?bcId=bc-11aa22bb-33cc", DEV_PERSON, ("cursor",)),
        ("feat: x (#9)\n\n<a href=\"https://cursor.com/background-agent?bcId=bc-1\">"
         "[Open in Cursor](https://cursor.com/background-agent?bcId=bc-1)</a>", DEV_PERSON,
         ("cursor",)),
        # a link to Cursor's site is no agent's mark
        ("docs: mention https://cursor.com/docs", DEV_PERSON, ()),
        # agents as authors
        ("fix: apply review", Person("ask-bonk[bot]", "1+ask-bonk[bot]@users.noreply.github.com"),
         ("opencode",)),
        ("fix: sanitise input", Person("github-advanced-security[bot]",
         "62310815+github-advanced-security[bot]@users.noreply.github.com"), ("copilot",)),
        ("feat: z", Person("CharlieHelps", "charlie@charlielabs.ai"), ("charlie",)),
        ("feat: z", Person("charliecreates[bot]", "9+charliecreates[bot]@users.noreply.github.com"),
         ("charlie",)),
        ("feat: z", Person("OpenCode Claude", "opencode-claude@example.com"), ("opencode",)),
        # co-authors
        ("fix: y\n\nCo-authored-by: ask-bonk[bot] <1+ask-bonk[bot]@users.noreply.github.com>",
         DEV_PERSON, ("opencode",)),
        ("feat: w\n\nCo-authored-by: GLM-4.6 <noreply@z.ai>", DEV_PERSON, ("other",)),
        ("feat: w\n\nFiled by `agor`", DEV_PERSON, ("agor",)),
        # a model's name under another vendor's address is not that vendor's tool
        ("feat: v\n\nCo-authored-by: GPT-5 <noreply@anthropic.com>", DEV_PERSON, ("other",)),
        ("feat: v\n\nCo-authored-by: Claude <noreply@anthropic.com>", DEV_PERSON,
         ("claude-code",)),
        # a tool's trailer beside a model co-author is one tool
        ("feat: u\n\nMade-with: Cursor\nCo-authored-by: Claude <noreply@anthropic.com>",
         DEV_PERSON, ("cursor",)),
    ],
)  # fmt: skip
def test_agents_the_tables_missed(message: str, author: Person, tools: tuple[str, ...]) -> None:
    markers = builtin_markers()
    found = attribute(message, author, author, markers, mentions=False)
    assert found.tools(Confidence.MEDIUM) == tools
    assert found.is_ai(Confidence.MEDIUM) is bool(tools)
    # the streaming attributor and the history reader agree
    fast = Attributor(markers, mentions=False)(message, *author, *author)
    assert fast.tools(Confidence.MEDIUM) == tools
    assert (
        build([Row("c1", (), "t", 0, author, message)])
        .history.attribution(0)
        .tools(Confidence.MEDIUM)
        == tools
    )


def test_the_model_a_tool_ran_is_recorded_as_the_model() -> None:
    found = attribute("feat\n\nMade-with: Cursor\nCo-authored-by: Claude <noreply@anthropic.com>",
                      DEV_PERSON, DEV_PERSON, builtin_markers(), mentions=False)  # fmt: skip
    assert [(s.signal, s.tool) for s in found.signals] == [("made-with", "cursor"), ("model", None)]


def test_every_link_hint_makes_a_message_worth_reading() -> None:
    """The history reader attributes only messages a needle or the columns' own tests pick:
    each tool's link hints must be among its needles, or a link would never be seen."""
    from deploycount.history.reading import BUILTIN_NEEDLES

    assert {hint.encode() for hint in builtin_markers().link_hints} <= set(BUILTIN_NEEDLES)
