"""Downloads, against an HTTP server on 127.0.0.1 serving tiny files in the official formats.

Each failure must leave no file in the cache (lock files aside) and give a clear error.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict

import numpy as np
import pytest
from _fixtures import (
    REPO,
    Server,
    cache_files,
    cats_files,
    cifar_members,
    mnist_files,
    register_cats,
    register_cifar,
    register_mnist,
    remote,
    sha256,
    tar_gz,
    write_tree,
    zip_bytes,
)

from coursekit import datasets
from coursekit.datasets import DataError
from coursekit.profiles import Split


@pytest.fixture
def cache(monkeypatch, tmp_path):
    """No mirror, an empty cache."""
    monkeypatch.delenv(datasets.DATA_ENV, raising=False)
    monkeypatch.setenv(datasets.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def server():
    with Server() as s:
        yield s


PAYLOAD = np.random.default_rng(0).integers(0, 256, 3 << 20, dtype=np.uint8).tobytes()


def blob(server, mode="good", payload=PAYLOAD, name="blob.bin") -> datasets.Remote:
    server.routes[name] = (mode, payload)
    return remote("test", name, PAYLOAD, server.url(name))


# --- the loaders, downloading --------------------------------------------------------------


def test_mnist_download_lands_in_cache_and_is_reused(cache, server, monkeypatch):
    files = mnist_files()
    server.routes.update({name: ("good", b) for name, b in files.items()})
    register_mnist(monkeypatch, files, server.url())
    mnist = datasets.load_mnist(Split(None, 10, None))
    (x, y), (xt, _) = mnist.train, mnist.test
    assert (x.shape, xt.shape, y.dtype) == ((30, 28, 28), (20, 28, 28), np.uint8)
    assert cache_files(cache) == sorted(f"mnist/{name}" for name in files)
    assert all((cache / "mnist" / n).read_bytes() == b for n, b in files.items())
    again = datasets.load_mnist(Split(None, 10, None))
    assert np.array_equal(again.train[0], x)
    assert set(server.requests.values()) == {1}  # each file downloaded once


def test_cifar10_download_extracts_and_is_reused(cache, server, monkeypatch):
    members = cifar_members()
    archive = tar_gz(members)
    server.routes["cifar-10-python.tar.gz"] = ("good", archive)
    register_cifar(monkeypatch, archive, members, server.url("cifar-10-python.tar.gz"))
    cifar = datasets.load_cifar10(Split(None, 0, None))
    shapes = (cifar.train[0].shape, cifar.test[0].shape, len(cifar.class_names))
    assert shapes == ((100, 32, 32, 3), (20, 32, 32, 3), 10)
    assert cache_files(cache) == [f"cifar10/cifar-10-batches-py/{m}" for m in sorted(members)]
    datasets.load_cifar10(Split(None, 0, None))
    assert server.requests["cifar-10-python.tar.gz"] == 1


def test_cats_vs_dogs_download_checks_the_tree(cache, server, monkeypatch, tmp_path):
    files = cats_files()
    tree = datasets.tree_sha256(write_tree(tmp_path / "expected", files))[0]
    archive = zip_bytes(files)  # with the stray vectorize.py, as the real zip has
    server.routes["cats_and_dogs_filtered.zip"] = ("good", archive)
    register_cats(monkeypatch, archive, tree, server.url("cats_and_dogs_filtered.zip"))
    cats = datasets.load_cats_vs_dogs(Split(None, 4, None))
    assert cats.root == cache / "cats_vs_dogs" / "cats_and_dogs_filtered"
    assert (len(cats.train[0]), len(cats.validation[0]), len(cats.test[0])) == (8, 4, 8)
    datasets.load_cats_vs_dogs(Split(4, 2, 2))
    assert server.requests["cats_and_dogs_filtered.zip"] == 1
    assert "cats_vs_dogs/cats_and_dogs_filtered.zip" not in cache_files(cache)


def test_cats_vs_dogs_download_with_wrong_tree_is_not_kept(cache, server, monkeypatch):
    archive = zip_bytes(cats_files())
    server.routes["cats_and_dogs_filtered.zip"] = ("good", archive)
    register_cats(monkeypatch, archive, "0" * 64, server.url("cats_and_dogs_filtered.zip"))
    with pytest.raises(DataError, match="is not the official archive") as error:
        datasets.load_cats_vs_dogs(Split(None, 0, None))
    zip_path = cache / "cats_vs_dogs" / "cats_and_dogs_filtered.zip"
    assert str(zip_path) in str(error.value)
    assert "Delete cats_and_dogs_filtered.zip and load again" in str(error.value)
    # The complete zip stays (it matched its size) for the reader to delete; the
    # unverified extraction does not.
    assert cache_files(cache) == ["cats_vs_dogs/cats_and_dogs_filtered.zip"]


# --- failures leave nothing in the cache ---------------------------------------------------


def test_checksum_mismatch(cache, server):
    other = PAYLOAD[:-1] + b"\0"
    wanted = blob(server, payload=other)
    with pytest.raises(DataError) as error:
        datasets.fetch(wanted)
    message = str(error.value)
    assert str(cache / "test" / "blob.bin") in message and wanted.url in message
    assert f"sha256 {sha256(other)}, expected {sha256(PAYLOAD)}" in message
    assert "nothing was kept" in message
    assert cache_files(cache) == []


def test_http_404(cache, server):
    wanted = blob(server, mode="404")
    with pytest.raises(DataError, match="HTTP Error 404") as error:
        datasets.fetch(wanted)
    assert str(cache / "test" / "blob.bin") in str(error.value) and wanted.url in str(error.value)
    assert cache_files(cache) == []


def test_connection_dropped_half_way(cache, server):
    wanted = blob(server, mode="drop")
    with pytest.raises(DataError, match=f"failed at {len(PAYLOAD) // 2:,} of") as error:
        datasets.fetch(wanted)
    assert str(cache / "test" / "blob.bin") in str(error.value)
    assert cache_files(cache) == []


def test_more_bytes_than_expected(cache, server):
    wanted = blob(server, payload=PAYLOAD + b"more")  # the origin's file has changed
    with pytest.raises(DataError, match=r"3,145,732 of 3,145,728 bytes \(more than") as error:
        datasets.fetch(wanted)
    assert str(cache / "test" / "blob.bin") in str(error.value)
    assert cache_files(cache) == []


def test_connection_refused(cache, server):
    wanted = blob(server)
    server.httpd.server_close()  # nothing listens on the port any more
    with pytest.raises(DataError, match="failed at 0 of") as error:
        datasets.fetch(wanted)
    assert str(cache / "test" / "blob.bin") in str(error.value)
    assert cache_files(cache) == []


def test_keyboard_interrupt_mid_download(cache, server, monkeypatch):
    wanted = blob(server)
    real_urlopen = urllib.request.urlopen

    class Interrupted:
        def __init__(self, *args, **kwargs):
            self.response, self.reads = real_urlopen(*args, **kwargs), 0

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.response.close()

        def read(self, amount):
            self.reads += 1
            if self.reads == 2:
                raise KeyboardInterrupt
            return self.response.read(amount)

    monkeypatch.setattr(urllib.request, "urlopen", Interrupted)
    with pytest.raises(KeyboardInterrupt):
        datasets.fetch(wanted)
    assert cache_files(cache) == []


# --- other processes -----------------------------------------------------------------------

CLIENT = """
import json, sys, time
from coursekit import datasets
print(time.time(), flush=True)
print(datasets.fetch(datasets.Remote(**json.loads(sys.argv[1]))), flush=True)
"""


def start_client(wanted: datasets.Remote, cache) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != datasets.DATA_ENV}
    env.update({datasets.CACHE_ENV: str(cache), "PYTHONPATH": str(REPO)})
    return subprocess.Popen(
        [sys.executable, "-c", CLIENT, json.dumps(asdict(wanted))],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(condition, timeout=30.0):
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def test_process_killed_mid_download(cache, server):
    wanted = blob(server, mode="slow")
    server.gate.clear()  # the server stops half-way, until the gate opens
    client = start_client(wanted, cache)
    wait_for(lambda: server.sent["blob.bin"] >= len(PAYLOAD) // 2)
    time.sleep(0.2)  # let it write the first MiB to its temporary file
    client.send_signal(signal.SIGKILL)
    client.wait()
    server.gate.set()
    left = cache_files(cache)
    assert "test/blob.bin" not in left
    # SIGKILL skips the clean-up: a hidden temporary folder stays, never the file itself.
    assert len(left) == 1 and left[0].startswith("test/.blob.bin.") and ".part/" in left[0]
    server.routes["blob.bin"] = ("good", PAYLOAD)
    path = datasets.fetch(wanted)  # the next load cleans up and succeeds
    assert path.read_bytes() == PAYLOAD and cache_files(cache) == ["test/blob.bin"]


def test_two_processes_at_once(cache, server):
    wanted = blob(server, mode="slow")
    server.gate.clear()  # the first download stalls half-way until both have started
    clients = [start_client(wanted, cache) for _ in range(2)]
    started = [float(c.stdout.readline()) for c in clients]
    server.gate.set()
    outputs = [c.communicate(timeout=60) for c in clients]
    assert [c.returncode for c in clients] == [0, 0], [err for _, err in outputs]
    paths = {out.strip() for out, _ in outputs}
    assert max(started) < server.finished["blob.bin"]  # the two really overlapped
    assert paths == {str(cache / "test" / "blob.bin")}
    assert server.requests["blob.bin"] == 1  # the second waited for the first
    assert (cache / "test" / "blob.bin").read_bytes() == PAYLOAD
    assert cache_files(cache) == ["test/blob.bin"]
