"""The optional compiled part of deploycount (`deploycount/history/_speedups.c`).

Everything else is in pyproject.toml. The extension speeds up reading long histories; without a C
compiler (or with DEPLOYCOUNT_NO_EXTENSION=1) installation goes on without it, and deploycount
uses its pure-Python twin (`deploycount/history/columns.py`), which gives the same reports.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# Turned off on purpose: no extension at all, so the wheel is tagged pure Python (py3-none-any).
# A failed build (no compiler) still gives a working wheel without it, tagged for this Python.
NO_EXTENSION = os.environ.get("DEPLOYCOUNT_NO_EXTENSION", "") not in ("", "0")


class OptionalBuildExt(build_ext):
    """Build the extension when possible; never fail the installation for want of a compiler."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as error:
            print(f"deploycount: not building the extension ({error}): pure Python",
                  file=sys.stderr)  # fmt: skip

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as error:
            print(f"deploycount: could not build {ext.name} ({error}): pure Python",
                  file=sys.stderr)  # fmt: skip


EXTRA_ARGS = [] if sys.platform == "win32" else ["-O2", "-std=c99"]

# The README's links are relative, for GitHub and the docs site; on a package index they would
# lead nowhere and its picture would break. The long description is the README with each
# relative link made absolute (OWNER/deploycount is the one placeholder for the repository).
REPOSITORY = "https://github.com/OWNER/deploycount"


def long_description() -> str:
    text = (Path(__file__).parent / "README.md").read_text("utf-8")

    def absolute(match: re.Match[str]) -> str:
        target = match["target"]
        if re.match(r"^[a-z][a-z0-9+.-]*:|^#", target):
            return match.group(0)
        kind = "raw" if match["bang"] else "blob"
        return f"{match['bang']}[{match['text']}]({REPOSITORY}/{kind}/main/{target})"

    return re.sub(r"(?P<bang>!?)\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)\)", absolute, text)


if NO_EXTENSION:
    print("deploycount: DEPLOYCOUNT_NO_EXTENSION is set: pure Python", file=sys.stderr)

setup(
    long_description=long_description(),
    long_description_content_type="text/markdown",
    ext_modules=[]
    if NO_EXTENSION
    else [
        Extension(
            "deploycount.history._speedups",
            ["deploycount/history/_speedups.c"],
            extra_compile_args=EXTRA_ARGS,
            optional=True,
        )
    ],
    cmdclass={"build_ext": OptionalBuildExt},
)
