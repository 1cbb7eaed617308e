"""The documentation as a stranger meets it: a README of at most 200 lines that starts with the
two setup commands, a site that `mkdocs build --strict` builds (every link and anchor found),
a command-line reference generated from click and a configuration reference generated from the
config model, so neither can drift from the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import yaml

from tests.docs import PAGES, ROOT


def test_the_readme_is_short_and_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert len(readme.splitlines()) <= 200
    first = re.search(r"^```sh\n(.*?)^```", readme, flags=re.MULTILINE | re.DOTALL)
    assert first and first.start() < 400, "the setup commands come first"
    assert "pip install . && deploycount report" in first[1]
    assert "pip install -e '.[test]' && python -m pytest" in first[1]
    assert "## What it measures" in readme and "normalised deployments" in readme.lower()
    for heading in ("Quick start 1: the Action", "Quick start 2: tag", "Quick start 3: push"):
        assert heading in readme
    # The .ci/run test command is the README's, word for word.
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert "pip install -e '.[test]' && python -m pytest" in ci


def test_every_relative_link_of_the_readme_and_contributing_resolves() -> None:
    for page in (ROOT / "README.md", ROOT / "CONTRIBUTING.md"):
        for target in re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", page.read_text("utf-8")):
            assert (page.parent / target).exists(), (page.name, target)


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    """Every page in the navigation, every link and anchor found (mkdocs.yml sets strict), and
    the command-line reference rendered from the click commands themselves."""
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-3000:]
    cli = (tmp_path / "site" / "reference" / "cli" / "index.html").read_text("utf-8")
    for command in ("report", "scan", "record", "push", "comment", "lint", "merge", "hook"):
        assert f"deploycount {command}" in cli, command
    assert "--from-tags" in cli and "--every" in cli  # options appear as click knows them
    assert "Sentinel" not in cli  # click 8.3's "no default" marker, as mkdocs-click prints it
    # the Default column says the real default: what the help says, or click's own
    shown = {
        (cells[0], re.sub("<[^>]+>", "", cells[3]).strip())
        for row in re.findall(r"<tr>(.*?)</tr>", cli, re.DOTALL)
        if len(cells := re.findall(r"<td>(.*?)</td>", row, re.DOTALL)) == 4
    }
    assert not {default for _, default in shown} & {"None", "N/A", "False"}, shown
    from deploycount.cli import cli as group

    for each in group.commands.values():
        for param in each.params:
            if not isinstance(param, click.Option) or param.hidden:
                continue
            said = re.search(r"\[default: ([^\]]+)\]", param.help or "")
            value = param.default if param.default not in (None, False) else None
            expected = said[1] if said else "off" if param.is_flag else str(value or "–")
            if "Sentinel" in expected:
                expected = "–"
            names = ", ".join(f"<code>{name}</code>" for name in param.opts)
            assert any((row.startswith(names) and default == expected.replace("'", "&#39;"))
                       or (row.startswith(names) and default == expected)
                       for row, default in shown), (each.name, param.opts, expected)  # fmt: skip
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text("utf-8"))["nav"]
    listed = set(re.findall(r"[\w/-]+\.md", str(nav)))
    pages = {str(p.relative_to(ROOT / "docs")) for p in PAGES if "docs" in p.parts}
    assert pages == listed, pages ^ listed


def test_the_configuration_reference_is_generated_from_the_model() -> None:
    generated = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "gen_reference.py")],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    committed = (ROOT / "docs" / "reference" / "config.md").read_text("utf-8")
    assert committed == generated, "run: python docs/gen_reference.py > docs/reference/config.md"
    from deploycount import config

    for section in (config.ReportSection, config.PushSection, config.PrivacySection):
        for field in section.__dataclass_fields__:
            assert f"| `{field}` |" in committed, field


def test_the_docs_say_how_to_build_them_and_try_the_hooks() -> None:
    """mkdocs needs the package installed and nothing said so; `try-repo` failed without the
    commit-msg stage and a message file; "Edit on GitHub" pointed at master."""
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert {"mkdocs>=1.6", "mkdocs-click>=0.8"} <= set(extras["docs"])
    assert (
        "pip install -e '.[docs]' && mkdocs build --strict"
        in (ROOT / "CONTRIBUTING.md").read_text()
    )
    site = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    assert site["edit_uri"] == "edit/main/docs/"
    commands = (ROOT / "docs" / "commands.md").read_text()
    # the flags tests/test_hook_paths.py runs `pre-commit try-repo` with
    assert "--hook-stage commit-msg --commit-msg-filename" in commands
    assert "pre-commit autoupdate --freeze" in commands


def test_the_module_map_names_every_module() -> None:
    """CONTRIBUTING's table of modules is how a newcomer finds their way: outcomes.py,
    incidents.py, spend/ and team_sources.py were missing from it."""
    text = (ROOT / "CONTRIBUTING.md").read_text()
    package = ROOT / "deploycount"
    names = {f"`{p.name}/`" for p in package.iterdir() if (p / "__init__.py").exists()}
    names |= {f"`{p.name}`" for p in package.glob("*.py") if p.name != "__main__.py"}
    missing = sorted(name for name in names if name not in text)
    assert not missing, f"CONTRIBUTING's module map lacks {missing}"
