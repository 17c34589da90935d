"""One style, checked: ruff over coursekit, tests, bench and the chapters (pyproject.toml
configures it), and the chapters' code lines fit the page (≤ 99 characters) with no
``# noqa`` and no ``eval(`` for readers to copy."""

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
LINE_LENGTH = 99


def test_ruff_finds_nothing():
    paths = ["coursekit", "tests", "bench", *(str(p.relative_to(ROOT)) for p in NOTEBOOKS)]
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", *paths],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_code_fits_the_page_without_noqa_or_eval(path):
    found = []
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    for n, cell in enumerate(cells, start=1):
        for line in cell.source.splitlines():
            if len(line) > LINE_LENGTH:
                found.append(f"code cell {n}: {len(line)} characters: {line[:60]}...")
            if "# noqa" in line or re.search(r"\beval\(", line):
                found.append(f"code cell {n}: {line.strip()}")
    assert not found, f"{path.name}:\n" + "\n".join(found)
