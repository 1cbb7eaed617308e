"""The commit hooks through every way a message gets written, failing open, and under the real
pre-commit framework: the trailer lands where git reads it, after the message is written, never
on an empty message and never twice."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import GitRepo, RunCli
from tests.test_hook_lint import trailers
from tests.tools import required_tool

ROOT = Path(__file__).resolve().parents[1]
AGENT = {"CLAUDECODE": "1"}


def git_commit(repo: GitRepo, *args: str, env: dict[str, str] | None = None, editor: str = "true",
               check: bool = True) -> subprocess.CompletedProcess[str]:  # fmt: skip
    (repo.path / "f.txt").open("a").write("x\n")
    subprocess.run(["git", "add", "-A"], cwd=repo.path, check=True)
    full_env = {**os.environ, "GIT_EDITOR": editor, **(env or {})}
    result = subprocess.run(["git", "commit", "-q", *args], cwd=repo.path, env=full_env,
                            capture_output=True, text=True, check=False)  # fmt: skip
    if check:
        assert result.returncode == 0, result.stderr
    return result


def last_message(repo: GitRepo) -> str:
    return repo.git("log", "-1", "--format=%B")


def scan_tools(repo: GitRepo, run_cli: RunCli) -> list[str]:
    tools: list[str] = run_cli("scan", "--format", "json", "-n", "1", cwd=repo).json()[0]["tools"]
    return tools


@pytest.fixture
def hooked(repo: GitRepo, run_cli: RunCli, tmp_path: Path) -> GitRepo:
    repo.commit("initial")
    assert run_cli("hook", "install", cwd=repo).exit_code == 0
    return repo


def editor_writing(tmp_path: Path, text: str) -> str:
    """An editor that writes `text` above what git put in the file (its comments)."""
    typed = tmp_path / f"typed-{len(list(tmp_path.glob('typed-*')))}"
    typed.write_text(text)
    script = tmp_path / f"editor-{typed.name}.sh"
    script.write_text(f'#!/bin/sh\ncat "{typed}" "$1" > "$1.new" && mv "$1.new" "$1"\n')
    script.chmod(0o755)
    return str(script)


def test_editor_flow_tags_after_the_message_is_written(
    hooked: GitRepo, tmp_path: Path, run_cli: RunCli
) -> None:
    git_commit(
        hooked, env=AGENT, editor=editor_writing(tmp_path, "feat: typed in the editor\n\nA body.\n")
    )
    message = last_message(hooked)
    assert message.startswith("feat: typed in the editor\n\nA body.\n")
    assert trailers(message) == ["Assisted-by: claude-code"]
    assert scan_tools(hooked, run_cli) == ["claude-code"]


def test_an_empty_message_still_aborts(hooked: GitRepo) -> None:
    before = hooked.head()
    result = git_commit(hooked, env=AGENT, editor="true", check=False)
    assert result.returncode != 0 and "empty" in result.stderr.lower()
    assert hooked.head() == before


@pytest.mark.parametrize(
    "way", ["-m", "-F", "template", "verbose", "amend", "amend-no-edit", "squash"]
)
def test_each_way_a_message_is_written(
    hooked: GitRepo, tmp_path: Path, run_cli: RunCli, way: str
) -> None:
    env = AGENT
    if way == "-m":
        git_commit(hooked, "-m", "feat: m", env=env)
    elif way == "-F":
        path = tmp_path / "msg"
        path.write_text("feat: from a file\n\nSigned-off-by: Dev <dev@example.com>\n")
        git_commit(hooked, "-F", str(path), env=env)
    elif way == "template":
        template = tmp_path / "template"
        template.write_text("\n# Why this change:\n")
        hooked.git("config", "commit.template", str(template))
        git_commit(hooked, env=env, editor=editor_writing(tmp_path, "feat: from a template\n"))
    elif way == "verbose":
        git_commit(hooked, "-v", env=env, editor=editor_writing(tmp_path, "feat: verbose\n"))
        assert "diff --git" not in last_message(hooked)
    elif way in ("amend", "amend-no-edit"):
        git_commit(hooked, "-m", "feat: first", env=env)
        if way == "amend":
            git_commit(hooked, "--amend", env=env, editor=editor_writing(tmp_path, "reworded\n\n"))
        else:
            git_commit(hooked, "--amend", "--no-edit", env=env)
    elif way == "squash":
        hooked.git("checkout", "-q", "-b", "topic")
        git_commit(hooked, "-m", "wip one", env={})
        hooked.git("checkout", "-q", "main")
        hooked.git("merge", "--squash", "-q", "topic")
        subprocess.run(["git", "commit", "-q", "--no-edit"], cwd=hooked.path, check=True,
                       env={**os.environ, **env})  # fmt: skip
    message = last_message(hooked)
    assert trailers(message).count("Assisted-by: claude-code") == 1, message
    assert scan_tools(hooked, run_cli) == ["claude-code"], message
    assert not run_cli("lint", cwd=hooked).stdout  # nothing git would not read


def test_merges_are_left_alone(hooked: GitRepo) -> None:
    hooked.git("checkout", "-q", "-b", "topic")
    git_commit(hooked, "-m", "topic work")
    hooked.git("checkout", "-q", "main")
    git_commit(hooked, "-m", "main work")
    subprocess.run(["git", "merge", "-q", "--no-ff", "--no-edit", "topic"], cwd=hooked.path,
                   check=True, env={**os.environ, **AGENT})  # fmt: skip
    assert "Assisted-by" not in last_message(hooked)


def test_a_person_pays_nothing_and_is_never_tagged(hooked: GitRepo) -> None:
    git_commit(hooked, "-m", "fix: by hand", env={})
    assert last_message(hooked) == "fix: by hand"


@pytest.mark.parametrize("breakage", ["config", "python"])
def test_failures_never_block_a_commit(hooked: GitRepo, breakage: str, tmp_path: Path) -> None:
    if breakage == "config":
        (hooked.path / ".deploycount.toml").write_text("[attribution\nbroken")
    else:
        # the virtualenv the hook remembers is gone, and no deploycount is on PATH
        for name in ("prepare-commit-msg", "commit-msg"):
            hook = hooked.path / ".git" / "hooks" / name
            hook.write_text(
                hook.read_text().replace(sys.executable, str(tmp_path / "gone" / "python"))
            )
    env = {**AGENT, "PATH": "/usr/bin:/bin"} if breakage == "python" else AGENT
    result = git_commit(hooked, "-m", "feat: still committed", env=env)
    assert last_message(hooked) == "feat: still committed"
    assert "deploycount: commit not tagged" in result.stderr
    assert len([line for line in result.stderr.splitlines() if "deploycount" in line]) <= 2


# -- the real pre-commit framework ---------------------------------------------------------


def pre_commit_binary() -> str:
    return required_tool("pre-commit", "pip install pre-commit")


def test_the_manifest_validates_with_pre_commit() -> None:
    result = subprocess.run([pre_commit_binary(), "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_both_hooks_under_the_real_pre_commit(
    repo: GitRepo, tmp_path: Path, run_cli: RunCli
) -> None:
    """pre-commit installs deploycount from this checkout into its own environment (with its
    dependencies from the package index) and runs both hooks on real commits."""
    snapshot = tmp_path / "deploycount-snapshot"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(snapshot)], check=True)
    subprocess.run(["git", "-C", str(snapshot), "tag", "v0-test"], check=True)
    # uncommitted work in this checkout is part of what is tested
    for path in subprocess.run(["git", "ls-files", "-m", "-o", "--exclude-standard"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.split():  # fmt: skip
        target = snapshot / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, target)
    subprocess.run(["git", "-C", str(snapshot), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(snapshot), "-c", "user.name=t", "-c", "user.email=t@x",
                    "commit", "-q", "--allow-empty", "-m", "snapshot"], check=True)  # fmt: skip
    rev = subprocess.run(["git", "-C", str(snapshot), "rev-parse", "HEAD"], capture_output=True,
                         text=True, check=True).stdout.strip()  # fmt: skip
    config = {
        "default_install_hook_types": ["pre-commit", "commit-msg"],
        "repos": [{"repo": str(snapshot), "rev": rev,
                   "hooks": [{"id": "deploycount-tag"}, {"id": "deploycount-lint"}]}],
    }  # fmt: skip
    (repo.path / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    repo.commit("initial")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    install = subprocess.run([pre_commit_binary(), "install"], cwd=repo.path, env=env,
                             capture_output=True, text=True, check=False)  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr
    subprocess.run([pre_commit_binary(), "install-hooks"], cwd=repo.path, env=env, check=True,
                   capture_output=True)  # fmt: skip
    (repo.path / "f.txt").write_text("x\n")
    subprocess.run(["git", "add", "-A"], cwd=repo.path, check=True)
    agent = subprocess.run(["git", "commit", "-q", "-m", "feat: under pre-commit"], cwd=repo.path,
                           env={**env, **AGENT}, capture_output=True, text=True, check=False)  # fmt: skip
    assert agent.returncode == 0, agent.stdout + agent.stderr
    assert trailers(last_message(repo)) == ["Assisted-by: claude-code"]
    assert scan_tools(repo, run_cli) == ["claude-code"]
    (repo.path / "f.txt").write_text("y\n")
    subprocess.run(["git", "add", "-A"], cwd=repo.path, check=True)
    bad = subprocess.run(
        ["git", "commit", "-q", "-m", "fix\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\nmore"],
        cwd=repo.path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    output = bad.stdout + bad.stderr
    assert bad.returncode != 0 and "will not be read" in output  # the lint hook stops it
    # the editor path under pre-commit: tagged after the message is written
    editor = editor_writing(tmp_path, "feat: typed under pre-commit\n")
    edited = subprocess.run(["git", "commit", "-q"], cwd=repo.path, capture_output=True, text=True,
                            env={**env, **AGENT, "GIT_EDITOR": editor}, check=False)  # fmt: skip
    assert edited.returncode == 0, edited.stdout + edited.stderr
    assert last_message(repo).startswith("feat: typed under pre-commit\n")
    assert trailers(last_message(repo)) == ["Assisted-by: claude-code"]
    # and from `pre-commit try-repo`, the way a maintainer tries a hook repository
    message = tmp_path / "MSG"
    message.write_text("feat: tried\n")
    tried = subprocess.run(
        [pre_commit_binary(), "try-repo", str(snapshot), "deploycount-tag", "--hook-stage",
         "commit-msg", "--commit-msg-filename", str(message)],
        cwd=repo.path, env={**env, **AGENT}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert tried.returncode == 0, tried.stdout + tried.stderr
    assert trailers(message.read_text()) == ["Assisted-by: claude-code"]


def test_every_shipped_or_documented_yaml_file_parses() -> None:
    documents = [ROOT / ".pre-commit-hooks.yaml", ROOT / "action.yml"]
    for path in documents:
        yaml.safe_load(path.read_text())

    from tests import docs

    blocks = docs.blocks("yaml")
    assert blocks
    for block in blocks:
        yaml.safe_load(block)


@pytest.mark.parametrize("how", ["rebase", "rebase-interactive", "rebase-apply", "cherry-pick"])
def test_an_agent_replaying_a_person_s_commit_tags_nothing(hooked: GitRepo, how: str) -> None:
    """With CLAUDECODE=1 a plain `git rebase main`, the untouched picks of `rebase -i` and a
    `cherry-pick` of a human commit each gained `Assisted-by: claude-code`: git runs
    prepare-commit-msg with source `message` for every pick. Rewriting history is not writing
    code."""
    hooked.git("checkout", "-q", "-b", "topic")
    git_commit(hooked, "-m", "fix: by hand")
    git_commit(hooked, "-m", "feat: by hand too")
    hooked.git("checkout", "-q", "main")
    (hooked.path / "other.txt").write_text("main moves on\n")
    hooked.git("add", "-A")
    hooked.git("commit", "-q", "-m", "main work")
    env = {**os.environ, **AGENT, "GIT_SEQUENCE_EDITOR": "true", "GIT_EDITOR": "true"}
    commands = {
        "rebase": [["git", "checkout", "-q", "topic"], ["git", "rebase", "-q", "main"]],
        "rebase-interactive": [["git", "checkout", "-q", "topic"],
                               ["git", "rebase", "-q", "-i", "main"]],
        "rebase-apply": [["git", "checkout", "-q", "topic"],
                         ["git", "rebase", "-q", "--apply", "main"]],
        "cherry-pick": [["git", "cherry-pick", "main..topic"]],
    }  # fmt: skip
    for command in commands[how]:
        done = subprocess.run(command, cwd=hooked.path, env=env, capture_output=True, text=True,
                              check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
    messages = hooked.git("log", "-2", "--format=%B%x00").split("\x00")
    assert not any("Assisted-by" in message for message in messages), messages
    # the agent's own new commit, in the same place, is still tagged
    git_commit(hooked, "-m", "feat: the agent's", env=AGENT)
    assert "Assisted-by: claude-code" in last_message(hooked)


def test_a_reason_not_to_tag_is_said_once_per_commit(hooked: GitRepo) -> None:
    """A `-m` commit runs prepare-commit-msg and commit-msg on the same message: the same
    one-line reason printed twice read as two problems."""
    (hooked.path / ".deploycount.toml").write_text("broken = [\n")
    done = git_commit(hooked, "-m", "feat: once", env=AGENT)
    said = [line for line in done.stderr.splitlines() if line.startswith("deploycount:")]
    assert len(said) == 1 and "commit not tagged" in said[0], done.stderr
    again = git_commit(hooked, "-m", "feat: twice", env=AGENT)  # and for the next commit too
    assert len([ln for ln in again.stderr.splitlines() if ln.startswith("deploycount:")]) == 1
