"""The book's notebooks: listed in the table of contents, with fresh stored outputs."""

import shutil
from pathlib import Path

import nbformat
import pytest
import yaml

from coursekit import execute, results

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
    why = execute.stale(nbformat.read(path, as_version=4))
    fix = f"run: python -m coursekit.execute {path.relative_to(ROOT)} --profile quick"
    assert not why, f"{path.name}: stale outputs ({'; '.join(why)}); {fix}"


def test_a_change_to_coursekit_makes_stored_outputs_stale(tmp_path):
    package = tmp_path / "coursekit"
    shutil.copytree(ROOT / "coursekit", package, ignore=shutil.ignore_patterns("__pycache__"))
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    for cell in nb.cells:  # as if just executed with the copy
        if cell.cell_type == "code":
            cell.execution_count = cell.execution_count or 1
    nb.metadata[execute.RECORD_KEY] = {
        "profile": "quick", "tensorflow": "2", "keras": "3", "device": "CPU", "date": "today",
        "seconds": 1.0, "code_sha256": execute.code_hash(nb),
        "coursekit_sha256": execute.coursekit_hash(package, nb), "results": results.collect(nb),
    }
    copy = tmp_path / NOTEBOOKS[0].name
    nbformat.write(nb, copy)
    assert execute.stale(nbformat.read(copy, as_version=4), package) == []

    models_py = package / "models.py"  # chapter 1 imports it
    models_py.write_text(models_py.read_text() + "\n# a comment is a change too\n")
    assert execute.stale(nbformat.read(copy, as_version=4), package) == [
        "coursekit changed after its outputs were stored"
    ]
    models_py.write_text(models_py.read_text().removesuffix("\n# a comment is a change too\n"))
    assert execute.stale(nb, package) == []
    (package / "new_module.py").write_text("")
    assert execute.stale(nb, package) == [], "a module the notebook does not import"
    assert execute.coursekit_hash(package) != execute.coursekit_hash(package, nb)
    (package / "answers" / "other_chapter.py").write_text("")
    assert execute.stale(nb, package) == [], "another chapter's answer key"
    key = package / "answers" / "convolution.py"  # chapter 1's answer key, in a subpackage
    key.write_text(key.read_text() + "\n")
    assert execute.stale(nb, package) == ["coursekit changed after its outputs were stored"]
    key.write_text(key.read_text().removesuffix("\n"))
    assert execute.stale(nb, package) == []
    profiles = package / "profiles.py"  # imported by runtime, which the notebook imports
    profiles.write_text(profiles.read_text() + "\n")
    assert execute.stale(nb, package) == ["coursekit changed after its outputs were stored"]


def test_imported_modules_are_found_in_every_form_of_import():
    found = execute._imported_modules(
        "import coursekit.models\nfrom coursekit import plots, results as r\n"
        "from coursekit.train import optimizer\nimport numpy\nfrom . import x\n")
    assert found == {"models", "plots", "results", "train", "train.optimizer"}
    found = execute._imported_modules("from coursekit.answers import convolution as answers")
    assert found == {"answers", "answers.convolution"}, "y in `from x import y` may be a module"
    assert execute._imported_modules("%timeit 1") == {"*"}, "unparsed code counts as all"


def test_code_hash_changes_with_code():
    cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_markdown_cell("text")]
    nb = nbformat.v4.new_notebook(cells=cells)
    before = execute.code_hash(nb)
    nb.cells[1].source = "other text"
    assert execute.code_hash(nb) == before, "prose edits must not make outputs stale"
    nb.cells[0].source = "x = 2"
    assert execute.code_hash(nb) != before
