"""The README's test command is exactly what CI runs."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text().splitlines()
    commands = [line.strip() for line in readme if line.startswith("    python3 -m venv")]
    test_command = next(c for c in commands if c.endswith("pytest"))
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()
