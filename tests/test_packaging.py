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
    assert "deploycount/history/columns.py" in names
    assert not any(n.endswith((".so", ".pyd")) for n in names), names
    if "DEPLOYCOUNT_NO_EXTENSION" in env:  # turned off: a wheel for any Python 3 and platform
        assert name.endswith("-py3-none-any.whl"), name


@pytest.mark.slow
def test_the_wheel_metadata_is_what_the_index_checks(sdist: Path, tmp_path: Path) -> None:
    """PEP 639 license, the LICENSE file, project URLs and classifiers, validated by
    `packaging` as an index would."""
    from packaging.metadata import Metadata

    name, names = _wheel(sdist, tmp_path, DEPLOYCOUNT_NO_EXTENSION="1")
    [info] = [n for n in names if n.endswith(".dist-info/METADATA")]
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names
    with zipfile.ZipFile(tmp_path / name) as archive:
        text = archive.read(info).decode()
    metadata = Metadata.from_email(text, validate=True)
    assert str(metadata.license_expression) == "MIT"
    assert metadata.project_urls and set(metadata.project_urls) >= {"Repository", "Issues"}
    assert metadata.classifiers and "Typing :: Typed" in metadata.classifiers
    assert not any(c.startswith("License ::") for c in metadata.classifiers)  # PEP 639
    # The long description rendered as the index renders it: the README with every link and
    # the picture absolute (relative ones led nowhere there), nothing dropped by its cleaner.
    import re

    from readme_renderer.markdown import render

    assert metadata.description_content_type == "text/markdown"
    assert metadata.description is not None and "normalised deployments" in metadata.description
    html = render(metadata.description)
    assert html is not None and "<img" in html
    targets = re.findall(r'(?:href|src)="([^"]+)"', html)
    assert len(targets) >= 20, targets
    relative = [t for t in targets if not t.startswith(("https://", "http://", "#"))]
    assert not relative, relative


def test_one_placeholder_names_the_repository() -> None:
    """Every shipped or documented file names the repository the same way (three placeholders
    once did: OWNER/, acme/ and a bare package name the index does not have)."""
    import re

    shipped = [ROOT / "README.md", ROOT / "pyproject.toml", ROOT / ".pre-commit-hooks.yaml",
               ROOT / "action.yml", *ROOT.glob("deploycount/**/*.py")]  # fmt: skip
    for path in shipped:
        text = path.read_text("utf-8")
        owners = set(re.findall(r"github\.com/([\w.-]+)/deploycount", text))
        owners |= set(re.findall(r"uses: ([\w.-]+)/deploycount@", text))
        assert owners <= {"OWNER"}, (path.name, owners)
        assert "pip install deploycount" not in text, path.name  # not on the index yet


@pytest.mark.slow
@pytest.mark.linux_only
def test_the_linux_wheel_repairs_to_a_tag_the_index_accepts(sdist: Path, tmp_path: Path) -> None:
    """A plain `linux_x86_64` wheel is refused by the index; auditwheel (what cibuildwheel runs
    in the release workflow) finds only glibc symbols in the extension and retags it manylinux."""
    from packaging.utils import parse_wheel_filename

    name, _ = _wheel(sdist, tmp_path / "built")
    assert name.endswith("-linux_x86_64.whl") or "-linux_" in name, name
    bin_dir = str(Path(sys.executable).parent)
    repaired = subprocess.run(
        [str(Path(bin_dir) / "auditwheel"), "repair", "-w", str(tmp_path / "fixed"),
         str(tmp_path / "built" / name)],
        capture_output=True, text=True, check=False,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"},
    )  # fmt: skip
    assert repaired.returncode == 0, repaired.stderr[-2000:]
    [fixed] = (tmp_path / "fixed").glob("*.whl")
    tags = parse_wheel_filename(fixed.name)[3]
    assert all(tag.platform.startswith("manylinux") for tag in tags), fixed.name
    with zipfile.ZipFile(fixed) as archive:
        assert any("_speedups." in n and n.endswith(".so") for n in archive.namelist())
