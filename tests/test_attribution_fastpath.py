"""Property: the streaming `Attributor` (with its pre-check and caches) answers exactly as the
plain `attribute` function on any message."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from deploycount.attribution import Attributor, Person, attribute, builtin_markers

LINES = [
    "",
    " ",
    "plain words",
    "Co-authored-by: Claude <noreply@anthropic.com>",
    "Co-authored-by: Dev Two <dev2@example.com>",
    "Assisted-by: Copilot",
    "AI-Assisted: no",
    "Signed-off-by: Dev <dev@example.com>",
    "# comment",
    "🤖 Generated with [Claude Code](https://claude.com/claude-code)",
    "GENERATED WITH [OPENCODE]",
    "aider: subject",
    "mentions Claude and copilot",
    "Cursor Agent wrote it, see ampcode.com and Amp Code",
    "Amazon Q, CodeWhisperer, Jules, Devin, Gemini, Codex, OpenDevin, Replit",
    "Made-with: Cursor",
    "key: value",
    "Co-authored-by: aider (gpt-5) <noreply@aider.chat>",
    "Conflicts:",
    "\tpath",
    "  continuation",
    "This reverts commit 0123456789abcdef0123456789abcdef01234567.",
]
IDENTITIES = [
    ("Dev One", "dev1@example.com"),
    ("Claude", "noreply@anthropic.com"),
    ("Dev One (aider)", "dev1@example.com"),
    ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"),
]
messages = st.lists(st.sampled_from(LINES), max_size=10).map("\n".join)


@settings(max_examples=800, deadline=None)
@example(
    message="subject\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\n# comment",
    author=IDENTITIES[0],
    committer=IDENTITIES[0],
    mentions=False,
    ending="\n",
)
@given(
    message=messages,
    author=st.sampled_from(IDENTITIES),
    committer=st.sampled_from(IDENTITIES),
    mentions=st.booleans(),
    ending=st.sampled_from(["", "\n", "\n\n", " \n"]),
)
@pytest.mark.slow
def test_fast_path_matches_attribute(
    message: str, author: tuple[str, str], committer: tuple[str, str], mentions: bool, ending: str
) -> None:
    markers = builtin_markers()
    text = message + ending
    expected = attribute(text, Person(*author), Person(*committer), markers, mentions=mentions)
    attributor = Attributor(markers, mentions=mentions)
    for _ in range(2):  # the second call is answered from the cache when the fast path applies
        assert attributor(text, *author, *committer) == expected
