"""coursekit.students: a tiny book in a temporary folder becomes its student notebook (the
solution replaced by its stub, nothing else changed but outputs and the record), the stub
runs and says "not yet", and ``--check`` catches stale files; then the real book: the
committed ``students/`` is up to date and each of its stubs runs on its own. Seconds."""

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from coursekit import students

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = '''\
# Solution: 3·3·2·4 + 4 = 76 parameters; the valid output side is (10 - 3) // 1 + 1 = 8.
params = 3 * 3 * 2 * 4 + 4  # answer
side = (10 - 3) // 1 + 1  # answer


def double(x):  # answer
    return 2 * x


assert check.number(params, 76, near={"each filter has one bias, not one per weight.": 144})
assert check.number(side, 8), "valid padding"
assert check.function(double, [((1,), 2), ((2.5,), 5.0)])
print(params, side)'''
STUB = '''\
# Your answer: replace each ... and run the cell.
params = ...
side = ...
def double(x):
    return ...
print(check.number(params, 76, near={"each filter has one bias, not one per weight.": 144}))
print(check.number(side, 8))
print(check.function(double, [((1,), 2), ((2.5,), 5.0)]))'''


def run(source: str, imports: str = "") -> str:
    """What ``source`` prints, run alone after ``from coursekit import check`` and
    ``imports``."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(f"from coursekit import check\n{imports}\n{source}", {})
    return out.getvalue()


def chapter() -> nbformat.NotebookNode:
    """Title, install cell, exercise, solution: as executed by coursekit.execute."""
    v4 = nbformat.v4
    install = v4.new_code_cell("import sys\n", execution_count=1, metadata={"tags": ["x"]},
                               outputs=[v4.new_output("stream", text="installed\n")])
    solution = v4.new_code_cell(SOLUTION, execution_count=2, outputs=[
        v4.new_output("stream", text="76 8\n")], metadata={
        "tags": ["hide-cell", "remove-stderr"], "execution": {"iopub.status.idle": "today"}})
    nb = v4.new_notebook(cells=[v4.new_markdown_cell("# 1. Tiny\n\nA chapter."), install,
                                v4.new_markdown_cell("**Exercise 1.** Count them."), solution])
    nb.metadata["coursekit"] = {"profile": "quick"}
    for n, cell in enumerate(nb.cells):
        cell.id = f"cell-{n}"
    return nb


@pytest.fixture
def book(tmp_path) -> Path:
    """A repository with _toc.yml, a Markdown page and one chapter, its students/ written."""
    (tmp_path / "book").mkdir()
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n"
                                       "  - file: book/01_tiny\n  - file: book/glossary\n")
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    (tmp_path / "book" / "glossary.md").write_text("# Glossary\n")
    nbformat.write(chapter(), tmp_path / "book" / "01_tiny.ipynb")
    students.main(["--root", str(tmp_path)])
    return tmp_path


def check_fails(root: Path, says: str) -> None:
    with pytest.raises(SystemExit) as stopped:
        students.main(["--check", "--root", str(root)])
    assert says in str(stopped.value) and "run: python -m coursekit.students" in str(
        stopped.value), stopped.value


def test_stub_keeps_the_answers_as_dots_and_prints_the_checks():
    assert students.stub(SOLUTION) == STUB
    assert students.stub("# Solution: 4.\nx = 2 + 2\nprint(x)\n") == students.STUB_HEAD + "\n..."
    magic = "# Solution\n%time y = 1\nx = 2  # answer\n"  # IPython's magics are fine
    assert students.stub(magic) == students.STUB_HEAD + "\nx = ..."


@pytest.mark.parametrize("source, says", [
    ("a, b = 1, 2  # answer", "`# answer` marks `NAME = ...` or a one-line `def NAME(...):`"),
    ("for i in range(2):\n    x = i  # answer", "ends only the first line of a top-level"),
    ("x = (1 +\n     2)  # answer", "ends only the first line of a top-level"),
])
def test_a_misplaced_answer_mark_is_an_error(source, says):
    with pytest.raises(ValueError, match="answer") as raised:
        students.stub("# Solution\n" + source)
    assert says in str(raised.value)


def test_the_student_notebook_is_the_chapter_with_the_stub(book):
    original = chapter()
    nb = nbformat.read(book / "students" / "01_tiny.ipynb", as_version=4)
    title, note, install, exercise, answer = nb.cells
    assert title == original.cells[0] and exercise == original.cells[2]
    assert "Student version" in note.source and "python -m coursekit.students" in note.source
    assert "(../book/01_tiny.ipynb)" in note.source and "not yet" in note.source
    assert install.source == original.cells[1].source and install.metadata == {"tags": ["x"]}
    assert answer.source == STUB and answer.metadata == {"tags": ["remove-stderr"]}
    assert all(c.outputs == [] and c.execution_count is None for c in (install, answer))
    assert "coursekit" not in nb.metadata and nb.metadata == {
        k: v for k, v in original.metadata.items() if k != "coursekit"}
    assert students.stubs(nb) == [STUB]
    assert sorted(p.name for p in (book / "students").iterdir()) == ["01_tiny.ipynb"]


def test_the_stub_says_not_yet_and_the_solution_passes():
    printed = run(STUB).splitlines()
    assert printed == ["✗ not yet: replace the `...` with your answer."] * 3
    assert run(SOLUTION) == "76 8\n"
    assert run(STUB.replace("params = ...", "params = 144")).splitlines()[0] == (
        "✗ not yet: each filter has one bias, not one per weight.")


def test_regenerating_gives_the_same_bytes_and_check_passes(book, capsys):
    path = book / "students" / "01_tiny.ipynb"
    before = path.read_bytes()
    students.main(["--root", str(book)])
    assert path.read_bytes() == before
    students.main(["--check", "--root", str(book)])
    assert "1 student notebooks are up to date" in capsys.readouterr().out


def test_check_finds_stale_missing_and_extra_notebooks(book):
    chapter_path = book / "book" / "01_tiny.ipynb"
    nb = nbformat.read(chapter_path, as_version=4)
    nb.cells[2].source += " All of them."
    nbformat.write(nb, chapter_path)
    check_fails(book, "students/01_tiny.ipynb (out of date)")
    (book / "students" / "01_tiny.ipynb").unlink()
    check_fails(book, "students/01_tiny.ipynb (missing)")
    students.main(["--root", str(book)])
    (book / "students" / "00_gone.ipynb").write_text("{}")
    check_fails(book, "students/00_gone.ipynb (no chapter)")
    students.main(["--root", str(book)])
    assert not (book / "students" / "00_gone.ipynb").exists()
    students.main(["--check", "--root", str(book)])


def test_an_unchecked_solution_is_listed_not_failed(book, capsys):
    path = book / "book" / "01_tiny.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[3].source = "# Solution: 4.\nprint(2 + 2)\n"
    nbformat.write(nb, path)
    students.main(["--root", str(book)])
    students.main(["--check", "--root", str(book)])
    assert "not yet checkable (no check in the solution):\n  students/01_tiny.ipynb: answer " \
           "cells 1\n" in capsys.readouterr().out


def test_bad_input_is_a_clear_error(book):
    (book / "book" / "01_tiny.ipynb").write_text("{not json")
    with pytest.raises(SystemExit, match=r"error: .*01_tiny\.ipynb: not a notebook"):
        students.main(["--root", str(book)])
    nbformat.write(chapter(), book / "book" / "01_tiny.ipynb")
    nb = chapter()
    nb.cells[3].source += "\nx, y = 1, 2  # answer\n"
    nbformat.write(nb, book / "book" / "01_tiny.ipynb")
    with pytest.raises(SystemExit, match=r"book/01_tiny\.ipynb, cell 4: `# answer` marks"):
        students.main(["--root", str(book)])
    (book / "_toc.yml").unlink()
    with pytest.raises(SystemExit, match=r"_toc\.yml not found"):
        students.main(["--root", str(book)])


def test_the_committed_student_notebooks_are_up_to_date():
    done = subprocess.run([sys.executable, "-m", "coursekit.students", "--check"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr + done.stdout


@pytest.mark.parametrize("path", sorted((ROOT / "students").glob("*.ipynb")),
                         ids=lambda p: p.name)
def test_every_stub_runs_alone(path):
    nb = nbformat.read(path, as_version=4)
    key = "\n".join(line for cell in nb.cells if cell.cell_type == "code"
                    for line in cell.source.splitlines()
                    if line.startswith("from coursekit.answers import"))
    for source in students.stubs(nb):
        printed = run(source, key).splitlines()
        assert all(line.startswith("✗ not yet") for line in printed), (
            f"{path.name}: an unanswered stub must say only 'not yet': {printed}")


def test_each_chapter_with_an_answer_key_links_to_its_student_version():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = config["repository"]["url"].removeprefix("https://github.com/")
    for path in students.chapters():
        text = path.read_text(encoding="utf-8")
        if "from coursekit.answers import" in text:
            link = (f"{config['launch_buttons']['colab_url']}/github/{repo}/blob/"
                    f"{config['repository']['branch']}/students/{path.name}")
            assert link in text, f"{path.name}: link its Exercises to {link}"


@pytest.mark.parametrize("path", students.chapters(), ids=lambda p: p.name)
def test_every_chapter_has_four_exercises_one_predict_first_one_change_it(path):
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    kinds = re.findall(r"\*\*Exercise \d+([^*]*)\*\*", text)
    assert len(kinds) >= 4, f"{path.name}: {len(kinds)} exercises, the course asks for 4 or more"
    for kind in ("(predict first)", "(change it and see)"):
        assert any(kind in found for found in kinds), f"{path.name}: no exercise {kind}"


def test_every_exercise_of_the_book_is_checked():
    assert students.unchecked(students.build(ROOT)) == []
