"""The extension built once more under AddressSanitizer and UndefinedBehaviorSanitizer, with every
warning an error, and the twin tests of tests/test_columns.py run against that build: a read past
a buffer, a `memcpy` from NULL, an overflow or a misaligned load ends the run with the report."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.tools import required_tool

pytestmark = pytest.mark.linux_only

ROOT = Path(__file__).resolve().parents[1]
WARNINGS = ["-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter", "-Wno-cast-function-type",
            "-Wno-missing-field-initializers"]  # fmt: skip
# The twin tests that run C code; not the whole reports (slow under the sanitizers, and made of
# the same calls), not the pre-check (pure Python), not the 40,000-commit timing (the exact
# buffers make it quadratic on purpose).
RUN = "not same_reports and not precheck and not collide"
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer",
            "-DDEPLOYCOUNT_EXACT_BUFFERS"]  # fmt: skip


def _runtime(compiler: str, name: str) -> str:
    path = subprocess.run([compiler, f"-print-file-name={name}"], capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip
    if not os.path.isabs(path) or not os.path.exists(path):
        pytest.fail(
            f"{compiler} has no {name}: install gcc's sanitizer runtimes (libasan, libubsan)"
        )
    return path


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="the sanitizer runtimes are preloaded on Linux")
def test_the_twin_tests_pass_under_asan_and_ubsan(tmp_path: Path) -> None:
    compiler = required_tool("gcc", "apt-get install gcc")
    overlay = tmp_path / "overlay"
    shutil.copytree(ROOT / "deploycount", overlay / "deploycount",
                    ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))  # fmt: skip
    target = (
        overlay / "deploycount" / "history" / f"_speedups{sysconfig.get_config_var('EXT_SUFFIX')}"
    )
    built = subprocess.run(
        [compiler, "-std=c99", "-O1", "-g", "-fPIC", "-shared", *WARNINGS, *SANITIZE,
         f"-I{sysconfig.get_paths()['include']}", str(ROOT / "deploycount" / "history" / "_speedups.c"),
         "-o", str(target)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    env = {
        **os.environ,
        "PYTHONPATH": f"{overlay}{os.pathsep}{ROOT}",
        "LD_PRELOAD": _runtime(compiler, "libasan.so"),
        # CPython keeps some memory to the end on purpose: leaks are not what this looks for.
        "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1",
        "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
        "PYTHONMALLOC": "malloc",  # PyMem_* from malloc, which AddressSanitizer watches
        "CI": "true",  # test_the_extension_is_built_in_ci: the sanitized build must be the one
    }
    # The sanitized build is imported first, so the tests take it whatever pytest puts on
    # sys.path; the run says which file it was.
    run = (
        "import sys, pytest, deploycount, deploycount.history._speedups as built\n"
        "print('extension:', built.__file__)\n"
        "sys.exit(pytest.main(sys.argv[1:]))\n"
    )
    tests = subprocess.run(
        [sys.executable, "-c", run, "-q", "-p", "no:cacheprovider", "-x",
         str(ROOT / "tests" / "test_columns.py"), "-k", RUN],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert f"extension: {target}" in tests.stdout, tests.stdout[-2000:] + tests.stderr[-2000:]
    assert tests.returncode == 0, tests.stdout[-6000:] + tests.stderr[-6000:]
    assert " passed" in tests.stdout and "AddressSanitizer" not in tests.stderr
