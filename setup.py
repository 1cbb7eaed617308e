"""The optional compiled part of deploycount (`deploycount/history/_speedups.c`).

Everything else is in pyproject.toml. The extension speeds up reading long histories; without a C
compiler (or with DEPLOYCOUNT_NO_EXTENSION=1) installation goes on without it, and deploycount
uses its pure-Python twin (`deploycount/history/columns.py`), which gives the same reports.
"""

from __future__ import annotations

import os
import sys

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

if NO_EXTENSION:
    print("deploycount: DEPLOYCOUNT_NO_EXTENSION is set: pure Python", file=sys.stderr)

setup(
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
