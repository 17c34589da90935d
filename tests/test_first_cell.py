"""Every chapter's first cell, as a reader on Colab runs it.

The first code cell is the install cell (``INSTALL``, the same in every chapter): when
``coursekit`` is missing it installs it with pip from ``COURSEKIT_SOURCE``, by default the
repository named in ``_config.yml``, and when that fails it stops right there with what
failed and the fix, instead of a ``ModuleNotFoundError`` two lines later. The chapter's
imports and ``profile = runtime.start(seed=42)`` follow in the second code cell.

The last two tests make a fresh venv without ``coursekit`` and run chapter 1's install
cell in it (the venv has no TensorFlow). pip reaches its index (or the mirror it
is configured with) for coursekit's dependencies; ``git+file://`` installs the clone's
committed HEAD. About 20-30 s on 2 idle cores, most of it creating venvs and installing
NumPy and Matplotlib.
"""

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("[0-9]*.ipynb"))
REPOSITORY = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]

# Every chapter's first code cell (its imports and runtime.start follow in the second).
INSTALL = '''\
import importlib.util
import os
import subprocess
import sys

if importlib.util.find_spec("coursekit") is None:  # e.g. on Colab: install the course's helpers
    source = os.environ.get("COURSEKIT_SOURCE", "git+https://github.com/coursekit/cnn-course")
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", source], text=True,
                         capture_output=True, env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
    if pip.returncode != 0:
        raise RuntimeError(f"pip could not install coursekit from {source}:\\n{pip.stderr}\\n"
                           "Fix: point COURSEKIT_SOURCE at a copy of the course and rerun this "
                           "cell, e.g. %env COURSEKIT_SOURCE=/path/to/cnn-course")
    importlib.invalidate_caches()
'''


def code_cells(path: Path) -> list[str]:
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def readers_install_part() -> str:
    """What readers run first: chapter 1's first code cell."""
    return code_cells(ROOT / "book" / "01_convolution.ipynb")[0] + "\n"


def test_install_part_defaults_to_the_repository_and_is_ruff_clean(tmp_path):
    assert f'"git+{REPOSITORY}"' in INSTALL, "the default source is _config.yml's repository"
    cell = tmp_path / "first_cell.py"  # the install part, then a chapter's imports
    cell.write_text(INSTALL + "\nfrom coursekit import runtime\n\nprofile = runtime.start()\n")
    ruff = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--config",
                           str(ROOT / "pyproject.toml"), cell], capture_output=True, text=True)
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    assert len(INSTALL.splitlines()) <= 15


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_starts_with_the_install_cell(path):
    first, second = code_cells(path)[:2]
    assert first + "\n" == INSTALL, f"{path.name}: the first code cell differs from INSTALL"
    assert "runtime.start(seed=42)" in second, f"{path.name}: the second cell starts the run"


@pytest.fixture
def fresh_python(tmp_path) -> Path:
    """The python of a new venv that lacks coursekit (and sees no other site-packages)."""
    if shutil.which("git") is None:
        pytest.skip("git is needed to install from git+file://")
    venv.EnvBuilder(with_pip=True).create(tmp_path / "venv")
    python = tmp_path / "venv" / "bin" / "python"
    found = subprocess.run([python, "-c", "import coursekit"], cwd=tmp_path, capture_output=True)
    assert found.returncode != 0, "the fresh venv must not see coursekit"
    return python


def run_first_cell(python: Path, source: str, tail: str) -> subprocess.CompletedProcess:
    """Run the install part and ``tail`` in ``python``, outside the repository."""
    script = python.parents[2] / "first_cell.py"
    script.write_text(readers_install_part() + tail)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env |= {"COURSEKIT_SOURCE": source, "GIT_TERMINAL_PROMPT": "0"}
    return subprocess.run([python, script], cwd=script.parent, env=env, capture_output=True,
                          text=True, timeout=600)


def test_first_cell_installs_coursekit_in_a_fresh_venv(fresh_python):
    done = run_first_cell(fresh_python, f"git+file://{ROOT}",
                          "\nimport coursekit\n\nprint(coursekit.__file__)\n")
    assert done.returncode == 0, done.stderr[-3000:]
    installed = Path(done.stdout.strip().splitlines()[-1])
    assert installed.is_relative_to(fresh_python.parents[1]), f"imported {installed}"


def test_unreachable_source_stops_the_cell_with_the_fix(fresh_python, tmp_path):
    missing = f"git+file://{tmp_path}/no-such-clone"
    done = run_first_cell(fresh_python, missing,
                          "\nfrom coursekit import runtime\n\nprint('went on')\n")
    assert done.returncode != 0 and "went on" not in done.stdout
    assert f"RuntimeError: pip could not install coursekit from {missing}" in done.stderr
    assert "does not appear to be a git repository" in done.stderr, "pip's own reason is shown"
    assert "%env COURSEKIT_SOURCE=" in done.stderr
    assert "ModuleNotFoundError" not in done.stderr
