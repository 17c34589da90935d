"""Execute a chapter notebook in a fresh kernel and store its outputs in place.

    python -m coursekit.execute book/01_convolution.ipynb --profile quick

The notebook's metadata gets a ``coursekit`` record: the profile, the TensorFlow,
Keras and Python versions, the device, the date, the seconds it took, a sha256 of
its code cells, and the headline numbers its cells recorded (``coursekit.results``). ``tests/test_notebooks.py`` fails when that hash no longer matches the
code (stale outputs), so stored outputs always come from the code as committed.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import time
from pathlib import Path

import nbformat

RECORD_KEY = "coursekit"


def code_hash(nb: nbformat.NotebookNode) -> str:
    """sha256 (hex) of the sources of the notebook's code cells, in order."""
    sources = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    return hashlib.sha256(json.dumps(sources).encode("utf-8")).hexdigest()


def execute(path: Path, profile: str, timeout: int | None = None) -> dict:
    """Run ``path`` top to bottom under ``profile``, write outputs and the record back.

    Returns the record. Raises ``nbclient.exceptions.CellExecutionError`` (and writes
    nothing) when a cell fails.
    """
    from nbclient import NotebookClient

    from coursekit import profiles, results, runtime

    if profile not in profiles.PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(profiles.PROFILES)}")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    started = time.perf_counter()
    client.execute(env={**os.environ, profiles.ENV_VAR: profile})  # the kernel's environment
    record = {
        "profile": profile,
        **runtime.versions(),
        "device": runtime.device_name(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1),
        "code_sha256": code_hash(nb),
        "results": results.collect(nb),
    }
    nb.metadata[RECORD_KEY] = record
    nbformat.write(nb, path)
    return record


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--profile", required=True, help="smoke, quick or full")
    parser.add_argument("--timeout", type=int, default=None, help="seconds per cell (default: none)")
    args = parser.parse_args(argv)
    for path in args.notebooks:
        record = execute(path, args.profile, args.timeout)
        print(f"{path}: {record['seconds']} s under {record['profile']} on {record['device']}")


if __name__ == "__main__":
    main()
