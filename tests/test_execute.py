"""coursekit.execute runs a notebook in a fresh kernel and records its provenance."""

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

from coursekit import execute


def _write(path, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)


def test_execute_stores_outputs_and_record(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSEKIT_PROFILE", raising=False)
    path = tmp_path / "nb.ipynb"
    _write(path, "import os\nprint(os.environ['COURSEKIT_PROFILE'])")
    record = execute.execute(path, "smoke")
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].outputs[0].text == "smoke\n", "the kernel must run under the named profile"
    assert nb.metadata[execute.RECORD_KEY] == record
    assert record["profile"] == "smoke" and record["code_sha256"] == execute.code_hash(nb)
    assert record["coursekit_sha256"] == execute.coursekit_hash(nb=nb) and not execute.stale(nb)
    assert {"tensorflow", "keras", "python", "device", "date", "seconds"} <= set(record)


def test_tensorflow_log_lines_stay_out_of_the_outputs_and_python_warnings_stay_in(tmp_path):
    path = tmp_path / "nb.ipynb"
    _write(path, "import warnings\nwarnings.warn('kept')",
           "import os\nos.write(2, b'E0000 a C++ log line\\n')\nprint('done')")
    execute.execute(path, "smoke")
    outputs = [o for c in nbformat.read(path, as_version=4).cells for o in c.outputs]
    assert "UserWarning: kept" in outputs[0].text
    assert [o.text for o in outputs[1:]] == ["done\n"]


def test_failing_notebook_is_left_untouched(tmp_path):
    path = tmp_path / "nb.ipynb"
    _write(path, "raise RuntimeError('boom')")
    before = path.read_bytes()
    with pytest.raises(CellExecutionError, match="boom"):
        execute.execute(path, "smoke")
    assert path.read_bytes() == before


def test_unknown_profile_is_refused(tmp_path):
    path = tmp_path / "nb.ipynb"
    _write(path, "1")
    with pytest.raises(ValueError, match="unknown profile 'fast'"):
        execute.execute(path, "fast")
