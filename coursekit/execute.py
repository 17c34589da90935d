"""Execute a chapter notebook in a fresh kernel, store its outputs and a provenance record:
``python -m coursekit.execute book/01_convolution.ipynb --profile quick``."""

import argparse
import ast
import datetime
import hashlib
import json
import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from coursekit import profiles, results, runtime

RECORD_KEY = "coursekit"
PACKAGE = Path(__file__).resolve().parent


def code_hash(nb: nbformat.NotebookNode) -> str:
    """sha256 (hex) of the sources of the notebook's code cells, in order."""
    sources = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    return hashlib.sha256(json.dumps(sources).encode("utf-8")).hexdigest()


def _imported_modules(source: str) -> set[str]:
    """The coursekit modules that ``source`` imports by name, dotted from the package
    (``coursekit.x`` → ``x``; ``from coursekit.x import y`` → ``x`` and ``x.y``, since ``y``
    may be a module); code that does not parse (e.g. an IPython magic) counts as all of them."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {"*"}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.removeprefix("coursekit.") for a in node.names
                      if a.name.startswith("coursekit.")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "coursekit":
                found |= {a.name for a in node.names}
            elif node.module.startswith("coursekit."):
                module = node.module.removeprefix("coursekit.")
                found |= {module} | {f"{module}.{a.name}" for a in node.names}
    return found


def _module_files(name: str) -> list[str]:
    """The files (relative to the package) that importing module ``name`` (dotted) runs: its
    own, ``x/y.py`` or ``x/y/__init__.py``, and each enclosing package's ``__init__.py``."""
    parts = name.split(".")
    return [f"{'/'.join(parts)}.py", f"{'/'.join(parts)}/__init__.py",
            *(f"{'/'.join(parts[:n])}/__init__.py" for n in range(1, len(parts)))]


def coursekit_hash(package: Path = PACKAGE, nb: nbformat.NotebookNode | None = None) -> str:
    """sha256 (hex) of the package's ``.py`` files, each path (relative, sorted) and content:
    with ``nb``, only ``__init__.py`` and the modules its code imports, directly or through
    each other (a module it does not load cannot change its outputs); without, all of them."""
    files = {p.relative_to(package).as_posix(): p for p in sorted(package.rglob("*.py"))}
    if nb is not None:
        wanted = set().union(*(_imported_modules(c.source) for c in nb.cells
                               if c.cell_type == "code"))
        chosen: set[str] = {"__init__.py"}
        while "*" not in wanted and (new := {f for name in wanted for f in _module_files(name)
                                             if f in files} - chosen):
            chosen |= new
            wanted |= set().union(*(_imported_modules(files[f].read_text()) for f in new))
        if "*" not in wanted:
            files = {k: p for k, p in files.items() if k in chosen}
    digest = hashlib.sha256()
    for name, path in files.items():
        digest.update(f"{name}\0".encode() + path.read_bytes())
    return digest.hexdigest()


def stale(nb: nbformat.NotebookNode, package: Path = PACKAGE) -> list[str]:
    """Why ``nb``'s stored outputs do not come from its code and ``package``: [] if fresh."""
    record = nb.metadata.get(RECORD_KEY)
    if not record:
        return ["it has no execution record"]
    keys = ("tensorflow", "keras", "device", "date", "seconds")
    why = [f"its record lacks {key!r}" for key in keys if not record.get(key)]
    if record.get("profile") not in profiles.PROFILES:
        why.append(f"unknown profile {record.get('profile')!r}")
    if record.get("code_sha256") != code_hash(nb):
        why.append("its code changed after its outputs were stored")
    if record.get("coursekit_sha256") != coursekit_hash(package, nb):
        why.append("coursekit changed after its outputs were stored")
    if record.get("results", {}) != results.collect(nb):
        why.append("the recorded results differ from the cells' outputs")
    if not all(c.execution_count for c in nb.cells if c.cell_type == "code"):
        why.append("a code cell was not executed")
    return why


def execute(path: Path, profile: str, timeout: int | None = None) -> dict:
    """Run ``path`` under ``profile``; write outputs and record back (none if a cell fails)."""
    if profile not in profiles.PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of "
                         f"{', '.join(profiles.PROFILES)}")
    nb = nbformat.read(path, as_version=4)
    # TensorFlow's C++ log lines stay out of the outputs: off unless the caller set a level,
    # and what C++ still writes goes to this process's terminal, not to the notebook.
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            extra_arguments=["--IPKernelApp.capture_fd_output=False"],
                            resources={"metadata": {"path": str(path.parent)}})
    started = time.perf_counter()
    client.execute(env={"TF_CPP_MIN_LOG_LEVEL": "3", **os.environ, profiles.ENV_VAR: profile})
    nb.metadata[RECORD_KEY] = record = {
        "profile": profile, **runtime.versions(), "device": runtime.device_name(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1), "code_sha256": code_hash(nb),
        "coursekit_sha256": coursekit_hash(nb=nb), "results": results.collect(nb)}
    nbformat.write(nb, path)
    return record


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--profile", required=True, help="smoke, quick or full")
    parser.add_argument("--timeout", type=int, help="seconds per cell (default: none)")
    args = parser.parse_args(argv)
    for path in args.notebooks:
        print(f"{path}: {execute(path, args.profile, args.timeout)['seconds']} s")


if __name__ == "__main__":
    main()
