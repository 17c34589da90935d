"""The book's notebooks: listed in the table of contents, with fresh stored outputs."""

from pathlib import Path

import nbformat
import pytest
import yaml

from coursekit import execute, profiles, results

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


def _toc_files(entries):
    for entry in entries:
        if "file" in entry:
            yield entry["file"]
        for key in ("chapters", "sections", "parts"):
            yield from _toc_files(entry.get(key, []))


def test_there_are_notebooks():
    assert NOTEBOOKS, "book/ holds no notebooks"


def test_toc_lists_every_notebook():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    listed = {toc["root"], *_toc_files(toc.get("chapters", []) + toc.get("parts", []))}
    missing = [nb.name for nb in NOTEBOOKS if f"book/{nb.stem}" not in listed]
    assert not missing, f"add these notebooks to _toc.yml: {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_are_fresh(path):
    nb = nbformat.read(path, as_version=4)
    record = nb.metadata.get(execute.RECORD_KEY)
    fix = f"run: python -m coursekit.execute {path.relative_to(ROOT)} --profile quick"
    assert record, f"{path.name} has no execution record; {fix}"
    assert record["profile"] in profiles.PROFILES
    for key in ("tensorflow", "keras", "device", "date", "seconds"):
        assert record.get(key), f"{path.name}: execution record lacks {key!r}; {fix}"
    assert record["code_sha256"] == execute.code_hash(nb), (
        f"{path.name}: code changed after its outputs were stored (stale outputs); {fix}"
    )
    assert record.get("results", {}) == results.collect(nb), (
        f"{path.name}: the recorded results differ from the cells' outputs; {fix}"
    )
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code_cells), f"{path.name}: a code cell was not executed; {fix}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_cell_installs_coursekit_from_the_repository(path):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    first = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    assert config["repository"]["url"] in first.source, (
        f"{path.name}: the first code cell must install coursekit from {config['repository']['url']}"
    )
    assert "runtime.start(" in first.source, f"{path.name}: the first code cell must call coursekit.runtime.start()"


def test_code_hash_changes_with_code():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_markdown_cell("text")])
    before = execute.code_hash(nb)
    nb.cells[1].source = "other text"
    assert execute.code_hash(nb) == before, "prose edits must not make outputs stale"
    nb.cells[0].source = "x = 2"
    assert execute.code_hash(nb) != before
