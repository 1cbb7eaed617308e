"""The optional compiled part of deploycount (`deploycount/_speedups.c`).

Everything else is in pyproject.toml. The extension speeds up reading long histories; without a C
compiler (or with DEPLOYCOUNT_NO_EXTENSION=1) installation goes on without it, and deploycount
uses its pure-Python twin (`deploycount/columns.py`), which gives the same reports.
"""

from __future__ import annotations

import os
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class OptionalBuildExt(build_ext):
    """Build the extension when possible; never fail the installation for want of a compiler."""

    def run(self) -> None:
        if os.environ.get("DEPLOYCOUNT_NO_EXTENSION", "") not in ("", "0"):
            print("deploycount: DEPLOYCOUNT_NO_EXTENSION is set: pure Python", file=sys.stderr)
            return
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

setup(
    ext_modules=[
        Extension(
            "deploycount._speedups",
            ["deploycount/_speedups.c"],
            extra_compile_args=EXTRA_ARGS,
            optional=True,
        )
    ],
    cmdclass={"build_ext": OptionalBuildExt},
)
