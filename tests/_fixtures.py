"""Tiny data sets in the official formats, written at test time, and a local HTTP server.

Nothing here is committed as binary: every archive is built from a few random arrays.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import struct
import tarfile
import threading
import time
import zipfile
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from coursekit import datasets

REPO = Path(__file__).resolve().parents[1]
CIFAR_NAMES = ["airplane", "automobile", "bird", "cat", "deer",
               "dog", "frog", "horse", "ship", "truck"]


# --- the course mirror ---------------------------------------------------------------------


def course_mirror() -> Path:
    """The real data mirror: COURSEKIT_DATA, else ../shared/data beside the checkout."""
    value = os.environ.get(datasets.DATA_ENV)
    mirror = Path(value) if value else Path(__file__).resolve().parents[2] / "shared" / "data"
    if not all((mirror / d).is_dir() for d in datasets.REGISTRY):
        pytest.fail(
            f"The course data mirror is not at {mirror}: set {datasets.DATA_ENV} to the folder "
            f"holding mnist/, cifar10/ and cats_vs_dogs/ (the course's is ../shared/data, "
            f"see its README.md)."
        )
    return mirror


# --- files in the official formats ---------------------------------------------------------


def sha256(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def idx(array: np.ndarray) -> bytes:
    """An IDX file of unsigned bytes (gzipped), as the MNIST database publishes them."""
    header = struct.pack(">I", 0x800 | array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes(), mtime=0)


def mnist_files(n_train: int = 40, n_test: int = 20, seed: int = 0) -> dict[str, bytes]:
    """The four MNIST files, with random 28x28 digits and labels cycling 0-9."""
    rng = np.random.default_rng(seed)
    out = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        out[f"{prefix}-images-idx3-ubyte.gz"] = idx(rng.integers(0, 256, (n, 28, 28)))
        out[f"{prefix}-labels-idx1-ubyte.gz"] = idx(np.arange(n) % 10)
    return out


def cifar_members(per_batch: int = 20, seed: int = 0) -> dict[str, bytes]:
    """The files of ``cifar-10-batches-py/``: python-2-style pickles with bytes keys."""
    rng = np.random.default_rng(seed)
    out = {"batches.meta": pickle.dumps(
        {b"label_names": [n.encode() for n in CIFAR_NAMES], b"num_vis": 3072}, protocol=2)}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        out[name] = pickle.dumps({
            b"batch_label": name.encode(),
            b"labels": [int(i % 10) for i in range(per_batch)],
            b"data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
            b"filenames": [f"{i}.png".encode() for i in range(per_batch)],
        }, protocol=2)
    return out


def tar_gz(members: dict[str, bytes], top: str = "cifar-10-batches-py") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(f"{top}/{name}" if top else name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return buffer.getvalue()


def encoded(image: Image.Image, fmt: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **({"quality": 95} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def jpeg(seed: int = 0, mode: str = "RGB", size: int = 16) -> bytes:
    """A small smooth image as a JPEG (RGB, L for grayscale, or CMYK)."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0, 255, size)
    rgb = np.stack([np.add.outer(ramp, ramp) / 2, np.outer(ramp, ramp) / 255,
                    np.full((size, size), rng.integers(0, 256))], -1).astype(np.uint8)
    return encoded(Image.fromarray(rgb).convert(mode))


# What ``plant_bad_files`` writes, by path: the problem ``images.scan_images`` reports.
# The names sort after the real files, so an unshuffled pass meets them last.
PLANTED = {
    "train/cats/z-truncated.jpg": "truncated",
    "train/dogs/z-png-renamed.jpg": "not a JPEG",
    "train/dogs/z-grayscale.jpg": "grayscale",
    "validation/cats/z-download-error.jpg": "not a JPEG",
    "validation/dogs/z-cmyk.jpg": "CMYK",
}


def plant_bad_files(root: Path) -> Path:
    """Writes the files of ``PLANTED`` into ``root``: 3 undecodable, 2 needing conversion."""
    good = jpeg(5, size=32)
    rgb = Image.open(io.BytesIO(good)).convert("RGB")
    payloads = [good[: len(good) // 2], encoded(rgb, "PNG"), encoded(rgb.convert("L")),
                b"<html><body><h1>404 Not Found</h1></body></html>\n",
                encoded(rgb.convert("CMYK"))]
    return write_tree(root, dict(zip(PLANTED, payloads)))


CATS_COUNTS = {"train": 6, "validation": 4}  # images per class


def cats_files() -> dict[str, bytes]:
    """``train/{cats,dogs}`` and ``validation/{cats,dogs}`` of tiny JPEGs, by path."""
    out, seed = {}, 0
    for part, n in CATS_COUNTS.items():
        for cls in ("cats", "dogs"):
            for i in range(n):
                out[f"{part}/{cls}/{cls[:-1]}.{i}.jpg"] = jpeg(seed)
                seed += 1
    return out


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, payload in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(payload)
    return root


def zip_bytes(files: dict[str, bytes], top: str = "cats_and_dogs_filtered") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(f"{top}/vectorize.py", "print('the stray script the real zip holds')\n")
        for name, payload in files.items():
            zf.writestr(f"{top}/{name}", payload)
    return buffer.getvalue()


# --- pointing the registry at test files ---------------------------------------------------


def remote(dataset: str, name: str, payload: bytes, url: str = "http://127.0.0.1:9/x",
           with_sha: bool = True, **extra) -> datasets.Remote:
    return datasets.Remote(dataset, name, url, len(payload),
                       sha256(payload) if with_sha else None, **extra)


def register_mnist(monkeypatch, files: dict[str, bytes], base_url: str = "http://127.0.0.1:9/"):
    monkeypatch.setitem(datasets.REGISTRY, "mnist", tuple(
        remote("mnist", name, payload, base_url + name) for name, payload in files.items()))


def register_cifar(monkeypatch, archive: bytes, members: dict[str, bytes],
                   url: str = "http://127.0.0.1:9/cifar-10-python.tar.gz"):
    monkeypatch.setitem(datasets.REGISTRY, "cifar10", (remote(
        "cifar10", "cifar-10-python.tar.gz", archive, url,
        extracts_to="cifar-10-batches-py",
        members={name: f"sha256:{sha256(b)}" for name, b in members.items()}),))


def register_cats(monkeypatch, archive: bytes, tree: str,
                  url: str = "http://127.0.0.1:9/cats_and_dogs_filtered.zip"):
    monkeypatch.setitem(datasets.REGISTRY, "cats_vs_dogs", (remote(
        "cats_vs_dogs", "cats_and_dogs_filtered.zip", archive, url, with_sha=False,
        extracts_to="cats_and_dogs_filtered", tree_sha256=tree),))


def cache_files(cache: Path) -> list[str]:
    """Every file in the cache but the lock files, as sorted relative paths."""
    return sorted(p.relative_to(cache).as_posix() for p in cache.rglob("*")
                  if p.is_file() and p.parent.name != ".locks")


# --- a local HTTP server -------------------------------------------------------------------


class Server:
    """Serves ``routes[name] = (mode, payload)`` on 127.0.0.1; counts requests.

    Modes: ``good``; ``404``; ``drop`` (announces the full Content-Length, sends half,
    closes); ``slow`` (64 KiB every ``delay`` seconds, and after the first half it waits
    until ``gate`` is set).
    """

    def __init__(self, delay: float = 0.01):
        self.gate = threading.Event()
        self.gate.set()
        self.routes: dict[str, tuple[str, bytes]] = {}
        self.requests: Counter[str] = Counter()
        self.sent: Counter[str] = Counter()
        self.finished: dict[str, float] = {}
        self.delay = delay
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.lstrip("/")
                server.requests[name] += 1
                mode, payload = server.routes.get(name, ("404", b""))
                if mode == "404":
                    self.send_error(404, "Not Found")
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if mode == "drop":
                    payload = payload[: len(payload) // 2]
                step = 1 << 16 if mode == "slow" else len(payload) or 1
                for start in range(0, len(payload), step):
                    self.wfile.write(payload[start:start + step])
                    self.wfile.flush()
                    server.sent[name] += len(payload[start:start + step])
                    if mode == "slow":
                        time.sleep(server.delay)
                        if server.sent[name] >= len(payload) // 2:
                            server.gate.wait()
                server.finished[name] = time.time()
                self.close_connection = True

            def log_message(self, *args):
                pass

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a client killed mid-download breaks the pipe: expected

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                       daemon=True)

    def url(self, name: str = "") -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{name}"

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.gate.set()
        self.httpd.shutdown()
        self.httpd.server_close()
