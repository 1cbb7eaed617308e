"""The sdist builds a wheel with the compiled extension when there is a compiler, and a working
pure-Python wheel when there is none: installation never fails for want of a compiler."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sdist")
    subprocess.run([sys.executable, "setup.py", "-q", "sdist", "-d", str(out)], cwd=ROOT,
                   check=True, capture_output=True)  # fmt: skip
    [archive] = out.glob("deploycount-*.tar.gz")
    return archive


def _wheel(sdist: Path, out: Path, **env: str) -> tuple[str, list[str]]:
    """The wheel pip builds from the sdist: its file name and what it holds."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(sdist)],
        env={**os.environ, **env}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    [wheel] = out.glob("deploycount-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return wheel.name, archive.namelist()


@pytest.mark.slow
def test_the_sdist_carries_the_c_source(sdist: Path) -> None:
    import tarfile

    with tarfile.open(sdist) as archive:
        names = {Path(n).name for n in archive.getnames()}
    assert {"_speedups.c", "_speedups.pyi", "columns.py", "setup.py"} <= names


@pytest.mark.slow
def test_with_a_compiler_the_wheel_has_the_extension(sdist: Path, tmp_path: Path) -> None:
    _, names = _wheel(sdist, tmp_path)
    assert any(Path(n).name.startswith("_speedups.") and n.endswith((".so", ".pyd"))
               for n in names), names  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(
    "env",
    [{"CC": "/bin/false", "LDSHARED": "/bin/false"}, {"DEPLOYCOUNT_NO_EXTENSION": "1"}],
    ids=["no-compiler", "turned-off"],
)
def test_without_a_compiler_the_wheel_is_pure_python(
    sdist: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    name, names = _wheel(sdist, tmp_path, **env)
    assert "deploycount/columns.py" in names
    assert not any(n.endswith((".so", ".pyd")) for n in names), names
    if "DEPLOYCOUNT_NO_EXTENSION" in env:  # turned off: a wheel for any Python 3 and platform
        assert name.endswith("-py3-none-any.whl"), name
