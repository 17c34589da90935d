"""The README's test command is exactly what CI runs; the README and the intro say how
many images each profile uses, as profiles.py does."""

from pathlib import Path

import pytest

from coursekit import results

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text().splitlines()
    commands = [line.strip() for line in readme if line.startswith("    python3 -m venv")]
    test_command = next(c for c in commands if c.endswith("pytest"))
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()


@pytest.mark.parametrize("page", ["README.md", "book/intro.md", "book/results.md"])
def test_the_pages_state_the_images_per_split_that_the_profiles_use(page):
    table = "\n".join(results.data_table())
    assert table in (ROOT / page).read_text(), f"{page}: paste this table:\n{table}"


def test_ci_tests_the_oldest_stack_that_pyproject_declares():
    import tomllib

    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]["tensorflow"]
    lowest = {r.split(">=")[0]: r.split(">=")[1].split(",")[0] for r in extra}
    pinned = dict(line.split("==") for line in (ROOT / ".ci" / "oldest.txt").read_text().split())
    assert pinned == {"tensorflow-cpu": lowest["tensorflow"], "keras": lowest["keras"]}
    readme = (ROOT / "README.md").read_text()
    assert all(f"{name} {version}" in readme for name, version in pinned.items()), (
        "the README names the tested versions")
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert "bash .ci/oldest" in ci, ".ci/run runs the notebooks on the oldest stack too"
