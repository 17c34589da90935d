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

from _fixtures import (REPO, Server, cache_files, cats_files, cifar_members, mnist_files,
                       register_cats, register_cifar, register_mnist, remote, sha256, tar_gz,
                       write_tree, zip_bytes)
from coursekit import data
from coursekit.data import DataError
from coursekit.profiles import Split


@pytest.fixture
def cache(monkeypatch, tmp_path):
    """No mirror, an empty cache."""
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def server():
    with Server() as s:
        yield s


@pytest.fixture(params=["anonymous", "named"])
def temp_kind(request, monkeypatch):
    """Both kinds of temporary download file: O_TMPFILE, and a hidden named one."""
    if request.param == "anonymous" and not data._ANONYMOUS_TEMP:
        pytest.skip("this system has no O_TMPFILE")  # the named kind still runs
    monkeypatch.setattr(data, "_ANONYMOUS_TEMP", request.param == "anonymous")
    return request.param


PAYLOAD = np.random.default_rng(0).integers(0, 256, 3 << 20, dtype=np.uint8).tobytes()


def blob(server, mode="good", payload=PAYLOAD, name="blob.bin") -> data.Remote:
    server.routes[name] = (mode, payload)
    return remote("test", name, PAYLOAD, server.url(name))


# --- the loaders, downloading --------------------------------------------------------------


def test_mnist_download_lands_in_cache_and_is_reused(cache, server, monkeypatch):
    files = mnist_files()
    server.routes.update({name: ("good", b) for name, b in files.items()})
    register_mnist(monkeypatch, files, server.url())
    (x, y), (xt, yt) = data.load_mnist(Split(None, None))
    assert (x.shape, xt.shape, y.dtype) == ((40, 28, 28), (20, 28, 28), np.uint8)
    assert cache_files(cache) == sorted(f"mnist/{name}" for name in files)
    assert all((cache / "mnist" / n).read_bytes() == b for n, b in files.items())
    again = data.load_mnist(Split(None, None))
    assert np.array_equal(again[0][0], x)
    assert set(server.requests.values()) == {1}  # each file downloaded once


def test_cifar10_download_extracts_and_is_reused(cache, server, monkeypatch):
    members = cifar_members()
    archive = tar_gz(members)
    server.routes["cifar-10-python.tar.gz"] = ("good", archive)
    register_cifar(monkeypatch, archive, members, server.url("cifar-10-python.tar.gz"))
    (x, y), (xt, yt), names = data.load_cifar10(Split(None, None))
    assert (x.shape, xt.shape, len(names)) == ((100, 32, 32, 3), (20, 32, 32, 3), 10)
    assert cache_files(cache) == [f"cifar10/cifar-10-batches-py/{m}" for m in sorted(members)]
    data.load_cifar10(Split(None, None))
    assert server.requests["cifar-10-python.tar.gz"] == 1


def test_cats_vs_dogs_download_checks_the_tree(cache, server, monkeypatch, tmp_path):
    files = cats_files()
    tree = data.tree_sha256(write_tree(tmp_path / "expected", files))[0]
    archive = zip_bytes(files)  # with the stray vectorize.py, as the real zip has
    server.routes["cats_and_dogs_filtered.zip"] = ("good", archive)
    register_cats(monkeypatch, archive, tree, server.url("cats_and_dogs_filtered.zip"))
    cats = data.load_cats_vs_dogs(Split(None, None))
    assert cats.root == cache / "cats_vs_dogs" / "cats_and_dogs_filtered"
    assert len(cats.train_paths) == 12 and len(cats.validation_paths) == 8
    data.load_cats_vs_dogs(Split(4, 2))
    assert server.requests["cats_and_dogs_filtered.zip"] == 1
    assert "cats_vs_dogs/cats_and_dogs_filtered.zip" not in cache_files(cache)


def test_cats_vs_dogs_download_with_wrong_tree_is_not_kept(cache, server, monkeypatch):
    archive = zip_bytes(cats_files())
    server.routes["cats_and_dogs_filtered.zip"] = ("good", archive)
    register_cats(monkeypatch, archive, "0" * 64, server.url("cats_and_dogs_filtered.zip"))
    with pytest.raises(DataError, match="is not the official archive") as error:
        data.load_cats_vs_dogs(Split(None, None))
    zip_path = cache / "cats_vs_dogs" / "cats_and_dogs_filtered.zip"
    assert str(zip_path) in str(error.value) and "Delete it and load again" in str(error.value)
    # The complete zip stays (it matched its size) for the reader to delete; the
    # unverified extraction does not.
    assert cache_files(cache) == ["cats_vs_dogs/cats_and_dogs_filtered.zip"]


# --- failures leave nothing in the cache ---------------------------------------------------


def test_checksum_mismatch(cache, server, temp_kind):
    other = PAYLOAD[:-1] + b"\0"
    wanted = blob(server, payload=other)
    with pytest.raises(DataError) as error:
        data.fetch(wanted)
    message = str(error.value)
    assert str(cache / "test" / "blob.bin") in message and wanted.url in message
    assert f"sha256 {sha256(other)}, expected {sha256(PAYLOAD)}" in message
    assert "deleted and nothing was kept" in message
    assert cache_files(cache) == []


def test_http_404(cache, server, temp_kind):
    wanted = blob(server, mode="404")
    with pytest.raises(DataError, match="HTTP 404") as error:
        data.fetch(wanted)
    assert str(cache / "test" / "blob.bin") in str(error.value) and wanted.url in str(error.value)
    assert cache_files(cache) == []


def test_connection_dropped_half_way(cache, server, temp_kind):
    wanted = blob(server, mode="drop")
    with pytest.raises(DataError, match=f"stopped after {len(PAYLOAD) // 2:,} of") as error:
        data.fetch(wanted)
    assert str(cache / "test" / "blob.bin") in str(error.value)
    assert cache_files(cache) == []


def test_connection_refused(cache, server):
    wanted = blob(server)
    server.httpd.server_close()  # nothing listens on the port any more
    with pytest.raises(DataError, match="failed after 0 of") as error:
        data.fetch(wanted)
    assert str(cache / "test" / "blob.bin") in str(error.value)
    assert cache_files(cache) == []


def test_keyboard_interrupt_mid_download(cache, server, temp_kind, monkeypatch):
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
        data.fetch(wanted)
    assert cache_files(cache) == []


# --- other processes -----------------------------------------------------------------------

CLIENT = """
import json, sys, time
from coursekit import data
data._ANONYMOUS_TEMP = sys.argv[2] == "anonymous"
print(time.time(), flush=True)
print(data.fetch(data.Remote(**json.loads(sys.argv[1]))), flush=True)
"""


def start_client(wanted: data.Remote, cache, temp_kind: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != data.DATA_ENV}
    env.update({data.CACHE_ENV: str(cache), "PYTHONPATH": str(REPO)})
    return subprocess.Popen(
        [sys.executable, "-c", CLIENT, json.dumps(asdict(wanted)), temp_kind],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(condition, timeout=30.0):
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def test_process_killed_mid_download(cache, server, temp_kind):
    wanted = blob(server, mode="slow")
    server.gate.clear()  # the server stops half-way, until the gate opens
    client = start_client(wanted, cache, temp_kind)
    wait_for(lambda: server.sent["blob.bin"] >= len(PAYLOAD) // 2)
    time.sleep(0.2)  # let it write the first MiB to its temporary file
    client.send_signal(signal.SIGKILL)
    client.wait()
    server.gate.set()
    left = cache_files(cache)
    assert "test/blob.bin" not in left
    if temp_kind == "anonymous":
        assert left == []  # an O_TMPFILE file vanishes with its process
    else:
        assert len(left) == 1 and left[0].startswith("test/.blob.bin.") and left[0].endswith(".part")
    server.routes["blob.bin"] = ("good", PAYLOAD)
    path = data.fetch(wanted)  # the next load cleans up and succeeds
    assert path.read_bytes() == PAYLOAD and cache_files(cache) == ["test/blob.bin"]


def test_two_processes_at_once(cache, server, temp_kind):
    wanted = blob(server, mode="slow")
    server.gate.clear()  # the first download stalls half-way until both have started
    clients = [start_client(wanted, cache, temp_kind) for _ in range(2)]
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
