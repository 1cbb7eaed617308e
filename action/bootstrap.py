"""The GitHub Action's install step, run with the Python that actions/setup-python provides
(never the job's own): a virtualenv of deploycount under RUNNER_TEMP with pinned dependencies.
At a release ref (`@v1`, `@v1.2.3`) it installs that release's wheel from the package index,
so nothing is compiled on the runner; at any other ref (a branch, a sha) it builds the action's
own source; with a wheelhouse, local wheels only. Writes the virtualenv's Python to the step's
outputs. Standard library only: deploycount is not installed yet."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

RELEASE_REF = re.compile(r"v\d+(?:\.\d+){0,2}")


def venv_python(root: Path, *, windows: bool) -> Path:
    """Where a virtualenv keeps its Python: `Scripts\\python.exe` on Windows, `bin/python`
    elsewhere."""
    return root / "Scripts" / "python.exe" if windows else root / "bin" / "python"


def pip_arguments(action_path: Path, wheelhouse: str, ref: str = "") -> list[str]:
    arguments = ["install", "--quiet", "--disable-pip-version-check"]
    arguments += ["-c", str(action_path / "action" / "constraints.txt")]
    if wheelhouse:
        # Wheels only: deploycount's own wheel is in the wheelhouse, so nothing is built here.
        return [*arguments, "--no-index", "--find-links", wheelhouse, "deploycount"]
    if RELEASE_REF.fullmatch(ref):
        version = release_version(action_path)
        return [*arguments, "--only-binary", "deploycount", f"deploycount=={version}"]
    return [*arguments, str(action_path)]


def release_version(action_path: Path) -> str:
    """The version the action's checkout releases (a moving `v1` tag names the newest one)."""
    with open(action_path / "pyproject.toml", "rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def main(environ: dict[str, str] | None = None) -> int:
    env = dict(os.environ if environ is None else environ)
    action_path = Path(env["GITHUB_ACTION_PATH"])
    root = Path(env.get("RUNNER_TEMP") or ".") / "deploycount-venv"
    python = venv_python(root, windows=os.name == "nt")
    if not python.exists():  # a cache hit brings it back already installed
        venv.EnvBuilder(with_pip=True, clear=True).create(root)
        wheelhouse = env.get("INPUT_WHEELHOUSE", "")
        ref = env.get("ACTION_REF", "")
        command = [str(python), "-m", "pip", *pip_arguments(action_path, wheelhouse, ref)]
        failed = subprocess.run(command, check=False).returncode != 0
        if failed and not wheelhouse and RELEASE_REF.fullmatch(ref):
            print(
                f"deploycount: the wheel of release {ref} is not on the package index: "
                "building the action's own source instead",
                file=sys.stderr,
            )
            command = [str(python), "-m", "pip", *pip_arguments(action_path, "")]
            failed = subprocess.run(command, check=False).returncode != 0
        if failed:
            print(
                "deploycount: error: could not install deploycount (see pip's output above; "
                "without a package index, pass the wheelhouse input)",
                file=sys.stderr,
            )
            return 1
    with open(env["GITHUB_OUTPUT"], "a", encoding="utf-8") as output:
        output.write(f"python={python}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
