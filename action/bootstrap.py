"""The GitHub Action's install step, run with the Python that actions/setup-python provides
(never the job's own): a virtualenv of deploycount under RUNNER_TEMP with pinned dependencies,
from the package index or, with a wheelhouse, from local wheels only. Writes the virtualenv's
Python to the step's outputs. Standard library only: deploycount is not installed yet."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path


def venv_python(root: Path, *, windows: bool) -> Path:
    """Where a virtualenv keeps its Python: `Scripts\\python.exe` on Windows, `bin/python`
    elsewhere."""
    return root / "Scripts" / "python.exe" if windows else root / "bin" / "python"


def pip_arguments(action_path: Path, wheelhouse: str) -> list[str]:
    arguments = ["install", "--quiet", "--disable-pip-version-check"]
    arguments += ["-c", str(action_path / "action" / "constraints.txt")]
    if wheelhouse:
        # Wheels only: deploycount's own wheel is in the wheelhouse, so nothing is built here.
        return [*arguments, "--no-index", "--find-links", wheelhouse, "deploycount"]
    return [*arguments, str(action_path)]


def main(environ: dict[str, str] | None = None) -> int:
    env = dict(os.environ if environ is None else environ)
    action_path = Path(env["GITHUB_ACTION_PATH"])
    root = Path(env.get("RUNNER_TEMP") or ".") / "deploycount-venv"
    python = venv_python(root, windows=os.name == "nt")
    if not python.exists():  # a cache hit brings it back already installed
        venv.EnvBuilder(with_pip=True, clear=True).create(root)
        wheelhouse = env.get("INPUT_WHEELHOUSE", "")
        command = [str(python), "-m", "pip", *pip_arguments(action_path, wheelhouse)]
        if subprocess.run(command, check=False).returncode != 0:
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
