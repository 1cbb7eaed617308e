"""Property: the trailers deploycount reads are the ones `git interpret-trailers --parse` reads."""

from __future__ import annotations

import os
import subprocess

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from deploycount.trailers import parse_trailers

KEYS = [
    "Co-authored-by",
    "co-authored-BY",
    "Assisted-by",
    "Signed-off-by",
    "AI-Assisted",
    "X",
    "a-1",
]
VALUES = ["Claude <noreply@anthropic.com>", "", "yes", "GPT 5.6", " padded  ", "a:b", "x\tz"]

trailer_line = st.builds(
    lambda key, spaces, value: f"{key}{spaces}:{value}",
    st.sampled_from(KEYS),
    st.sampled_from(["", " ", "\t", "  "]),
    st.sampled_from(VALUES).map(lambda v: f" {v}" if v else v),
)
other_line = st.sampled_from(
    [
        "",
        " ",
        "\t",
        "plain text",
        "Assisted by: claude",
        "Signed-off-by: Dev <dev@example.com>",
        "(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)",
        "# a comment",
        "---",
        "--- a/file",
        "  continued value",
        "\tcontinued with tab",
        ":no key",
        "https://example.com/x",
        "Conflicts:",
        "\tpath/file.c",
        "# ------------------------ >8 ------------------------",
        "trailing cr\r",
        "Key: value\r",
        "\x0bvertical tab",
        "ünïcode: value",
    ]
)
line = st.one_of(trailer_line, other_line)
message = st.builds(
    lambda title, body, end: "\n".join([title, *body]) + end,
    st.sampled_from(["Subject", "fix: thing", "# comment title", ""]),
    st.lists(line, max_size=12),
    st.sampled_from(["\n", "", "\n\n"]),
)


def git_parse(text: str, *, divider: bool, tmp_home: str) -> list[str]:
    args = ["git", "interpret-trailers", "--parse"]
    if not divider:
        args.append("--no-divider")
    env = {"PATH": os.environ["PATH"], "HOME": tmp_home, "GIT_CONFIG_NOSYSTEM": "1"}
    out = subprocess.run(
        args, input=text.encode(), capture_output=True, env=env, check=True, timeout=20
    )
    return out.stdout.decode().split("\n")[:-1]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("home"))


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@pytest.mark.slow
@given(text=message, divider=st.booleans())
def test_trailers_agree_with_git(text: str, divider: bool, home: str) -> None:
    # git 2.39 spins forever when a scissors line follows a `---` divider: its scissors search
    # is not bounded by the divider. Our parser bounds it; there is no git answer to compare.
    if divider and "---" in text:
        _, _, tail = text.partition("\n---")
        assume("------------------------ >8" not in tail)
    ours = [f"{t.key}: {t.value}" for t in parse_trailers(text, divider=divider)]
    assert ours == git_parse(text, divider=divider, tmp_home=home)
