"""coursekit.results: numbers recorded in cells reach the metadata and the generated page."""

import json

import nbformat
import pytest

from coursekit import execute, results


def _notebook(path, *sources):
    cells = [nbformat.v4.new_markdown_cell("# Chapter 9: a test\n\nText.")]
    cells += [nbformat.v4.new_code_cell(s) for s in sources]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)


def test_a_recorded_number_reaches_the_metadata_and_the_page(tmp_path):
    (tmp_path / "book").mkdir()
    toc = "format: jb-book\nroot: book/intro\nchapters:\n  - file: book/09_test\n"
    (tmp_path / "_toc.yml").write_text(toc)
    path = tmp_path / "book" / "09_test.ipynb"
    _notebook(path, "from coursekit import results\n"
                    "results.record('acc', 0.98765, 'accuracy', 'test accuracy')\n"
                    "results.record('speed', 1234.5, 'images/s', 'training speed')")
    record = execute.execute(path, "smoke")
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[1].outputs[0]["data"]["text/plain"] == "test accuracy: 98.77 %"
    assert record["results"] == {
        "acc": {"value": 0.98765, "unit": "accuracy", "label": "test accuracy"},
        "speed": {"value": 1234.5, "unit": "images/s", "label": "training speed"},
    }
    results.save_bench("fake_bench", "python bench/fake_bench.py",
                       {"speed-up": (3.14159, "ratio")}, folder=tmp_path / "bench" / "results")
    text = results.page(tmp_path)
    assert "## Chapter 9: a test" in text and "Profile `smoke`" in text
    assert "| test accuracy | 98.77 % |" in text and "| training speed | 1,234 images/s |" in text
    assert "### `bench/fake_bench.py`" in text and "python bench/fake_bench.py" in text
    assert "| speed-up | 3.14× |" in text
    saved = json.loads((tmp_path / "bench" / "results" / "fake_bench.json").read_text())
    assert {"device", "tensorflow", "date"} <= set(saved)


def test_a_spread_over_seeds_shows_as_mean_plus_minus_std_with_its_threshold(tmp_path):
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\n")
    results.save_bench("seed_spread_quick", "python bench/seed_spread.py", {
        "lenet5_modern_accuracy_mean": (0.9891, "accuracy"),
        "lenet5_modern_accuracy_std": (0.0008, "accuracy"),
        "lenet5_modern_accuracy_n": (3, "count"),
        "lenet5_modern_train_seconds_mean": (61.25, "s"),
    }, folder=tmp_path / "bench" / "results")
    text = results.page(tmp_path)
    assert "## Spread over seeds" in text and "mean − 3\nstd, rounded down to 0.5 %" in text
    assert "| lenet5_modern_accuracy | 98.91 % ± 0.08 % | 3 | 98.50 % |" in text
    assert "| lenet5_modern_train_seconds | 61.2 s |  |  |" in text
    assert "## Benchmarks" not in text, "the spread record is not repeated as a plain bench"


def test_a_key_recorded_twice_is_an_error():
    bundle = {"output_type": "display_data", "metadata": {},
              "data": {results.MIME: {"key": "a", "value": 1.0, "unit": "s", "label": "x"}}}
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("") for _ in range(2)])
    for cell in nb.cells:
        cell.outputs = [nbformat.from_dict(bundle)]
    with pytest.raises(ValueError, match="'a' is recorded twice"):
        results.collect(nb)


@pytest.mark.parametrize("value, unit, text", [
    (0.5, "accuracy", "50.00 %"), (61.25, "s", "61.2 s"), (12, "epochs", "12"),
    (2.5, "ratio", "2.50×"), (61706, "count", "61,706"), (33.44, "min", "33.4 min"),
])
def test_values_are_written_for_readers(value, unit, text):
    assert results.format_value(value, unit) == text


def test_an_unknown_unit_is_refused():
    with pytest.raises(ValueError, match="unknown unit 'percent'"):
        results.format_value(1, "percent")


def test_the_results_page_is_up_to_date():
    assert results.PAGE.exists() and results.PAGE.read_text() == results.page(), (
        "book/results.md disagrees with the notebooks or bench/results: "
        "run `python -m coursekit.results`"
    )
