"""coursekit.data against the course mirror, and the bad-input matrix (no network)."""

from __future__ import annotations

import gzip
import io
import os
import pickle
import tarfile
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _fixtures import (CATS_COUNTS, CIFAR_NAMES, cache_files, cats_files, cifar_members,
                       course_mirror, idx, jpeg, mnist_files, register_cats, register_cifar,
                       register_mnist, tar_gz, write_tree, zip_bytes)
from coursekit import data
from coursekit.data import DataError
from coursekit.profiles import PROFILES, Split


@pytest.fixture
def real_mirror(monkeypatch, tmp_path):
    """The course mirror as COURSEKIT_DATA, an empty cache."""
    mirror = course_mirror()
    monkeypatch.setenv(data.DATA_ENV, str(mirror))
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path / "cache"))
    return mirror


@pytest.fixture
def mirror(monkeypatch, tmp_path):
    """An empty test mirror as COURSEKIT_DATA, an empty cache."""
    root = tmp_path / "mirror"
    root.mkdir()
    monkeypatch.setenv(data.DATA_ENV, str(root))
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path / "cache"))
    return root


def per_class(labels) -> list[int]:
    return np.bincount(labels).tolist()


# --- the course mirror ---------------------------------------------------------------------


def test_mnist_on_the_mirror(real_mirror):
    (x, y), (xt, yt) = data.load_mnist(Split(None, None))
    assert (x.shape, x.dtype, y.shape, y.dtype) == ((60_000, 28, 28), np.uint8, (60_000,), np.uint8)
    assert (xt.shape, yt.shape) == ((10_000, 28, 28), (10_000,))
    assert set(y.tolist()) == set(yt.tolist()) == set(range(10))
    assert x.flags.writeable
    (s, sy), (st_, sty) = data.load_mnist(Split(6_000, 1_000), seed=1)
    (s2, sy2), (st2, sty2) = data.load_mnist(Split(6_000, 1_000), seed=1)
    assert np.array_equal(s, s2) and np.array_equal(sy, sy2) and np.array_equal(st_, st2)
    assert per_class(sy) == [600] * 10 and per_class(sty) == [100] * 10
    (other, _), _ = data.load_mnist(Split(6_000, 1_000), seed=2)
    assert not np.array_equal(s, other)


def test_cifar10_on_the_mirror(real_mirror):
    (x, y), (xt, yt), names = data.load_cifar10(Split(20_000, None))
    assert (x.shape, x.dtype, y.shape, y.dtype) == ((20_000, 32, 32, 3), np.uint8, (20_000,), np.uint8)
    assert (xt.shape, yt.shape) == ((10_000, 32, 32, 3), (10_000,))
    assert names == CIFAR_NAMES
    assert set(y.tolist()) == set(yt.tolist()) == set(range(10))
    a = data.load_cifar10(Split(4_000, 1_000), seed=3)
    b = data.load_cifar10(Split(4_000, 1_000), seed=3)
    assert np.array_equal(a[0][0], b[0][0]) and np.array_equal(a[1][1], b[1][1])
    assert per_class(a[0][1]) == [400] * 10 and per_class(a[1][1]) == [100] * 10


def test_cats_vs_dogs_on_the_mirror(real_mirror):
    full = data.load_cats_vs_dogs(Split(None, None))
    assert full.class_names == ("cats", "dogs")
    assert (len(full.train_paths), len(full.validation_paths)) == (2_000, 1_000)
    assert full.train_labels.dtype == np.uint8 and full.train_labels.shape == (2_000,)
    assert per_class(full.train_labels) == [1_000, 1_000] and full.skipped == ()
    for path, label in zip(full.validation_paths, full.validation_labels):
        assert path.endswith(".jpg") and f"/{full.class_names[label]}/" in path
    a = data.load_cats_vs_dogs(Split(400, 200), seed=4)
    b = data.load_cats_vs_dogs(Split(400, 200), seed=4)
    assert a.train_paths == b.train_paths and a.validation_paths == b.validation_paths
    assert per_class(a.train_labels) == [200, 200] and per_class(a.validation_labels) == [100, 100]
    assert set(a.train_paths) <= set(full.train_paths)


@pytest.mark.parametrize("profile", ["smoke", "quick"])
def test_smoke_and_quick_fit_the_mirror(real_mirror, monkeypatch, profile):
    monkeypatch.setenv("COURSEKIT_PROFILE", profile)
    sizes = PROFILES[profile].data
    (x, _), (xt, _) = data.load_mnist()
    assert len(x) == (sizes["mnist"].train or 60_000) and len(xt) == (sizes["mnist"].test or 10_000)
    (x, _), (xt, _), _ = data.load_cifar10()
    assert len(x) == sizes["cifar10"].train and len(xt) == (sizes["cifar10"].test or 10_000)
    if profile == "smoke":  # quick is the full set, loaded in the test above
        cats = data.load_cats_vs_dogs()
        assert len(cats.train_paths) == sizes["cats_vs_dogs"].train


def test_full_profile_needs_more_cifar10_than_the_mirror_holds(real_mirror, monkeypatch):
    monkeypatch.setenv("COURSEKIT_PROFILE", "full")
    with pytest.raises(DataError) as error:
        data.load_cifar10()
    message = str(error.value)
    assert str(real_mirror / "cifar10" / "cifar-10-batches-py" / "data_batch_3") in message
    for part in ("run profile 'full'", "all 50,000", "holds only 20,000",
                 "COURSEKIT_PROFILE=quick or smoke", "unset COURSEKIT_DATA"):
        assert part in message


def test_more_than_the_files_hold(real_mirror):
    with pytest.raises(DataError, match="asks for 70,000 MNIST training images") as error:
        data.load_mnist(Split(70_000, None))
    assert "train-images-idx3-ubyte.gz holds 60,000" in str(error.value)


# --- subsets -------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=60), st.integers(0, 70), st.integers(0, 3))
def test_balanced_subset(labels, n, seed):
    labels = np.array(labels)
    keep = data.balanced_subset(labels, n, seed)
    assert np.array_equal(keep, data.balanced_subset(labels, n, seed))
    assert len(keep) == min(n, len(labels)) and np.all(np.diff(keep) > 0)
    counts, taken = np.bincount(labels, minlength=5), np.bincount(labels[keep], minlength=5)
    short = taken < counts  # classes not exhausted get equal shares, within one
    if short.any():
        assert taken[short].max() - taken[short].min() <= 1
        assert (taken[~short] <= taken[short].max() + 1).all()


# --- the bad-input matrix ------------------------------------------------------------------


def test_mirror_not_a_folder(monkeypatch, tmp_path):
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match="is not a folder") as error:
        data.load_mnist(Split(None, None))
    assert str(tmp_path / "nowhere") in str(error.value)


def test_missing_mirror_file(mirror, monkeypatch):
    files = mnist_files()
    register_mnist(monkeypatch, files)
    write_tree(mirror / "mnist", {k: v for k, v in files.items() if not k.startswith("t10k-labels")})
    with pytest.raises(DataError) as error:
        data.load_mnist(Split(None, None))
    assert str(mirror / "mnist" / "t10k-labels-idx1-ubyte.gz") in str(error.value)
    assert "is missing from the mirror" in str(error.value)
    assert "unset COURSEKIT_DATA" in str(error.value)


def test_checksum_mismatch_in_mirror(mirror, monkeypatch):
    files = mnist_files()
    register_mnist(monkeypatch, files)
    name = "train-labels-idx1-ubyte.gz"
    bad = dict(files, **{name: files[name][:-1] + bytes([files[name][-1] ^ 1])})
    write_tree(mirror / "mnist", bad)
    with pytest.raises(DataError) as error:
        data.load_mnist(Split(None, None))
    message = str(error.value)
    assert str(mirror / "mnist" / name) in message
    assert data.REGISTRY["mnist"][1].sha256 in message  # expected
    assert data._digest(mirror / "mnist" / name, "sha256") in message  # got
    assert "Replace it with the official one" in message


def test_checksum_mismatch_in_cache(monkeypatch, tmp_path):
    cache = tmp_path / "cache"
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    monkeypatch.setenv(data.CACHE_ENV, str(cache))
    files = mnist_files()
    register_mnist(monkeypatch, files)
    name = "t10k-images-idx3-ubyte.gz"
    write_tree(cache / "mnist", dict(files, **{name: b"x" * len(files[name])}))
    with pytest.raises(DataError, match="expected") as error:
        data.load_mnist(Split(None, None))
    assert str(cache / "mnist" / name) in str(error.value)
    assert "Delete it and load again" in str(error.value)


def test_wrong_size(mirror, monkeypatch):
    files = mnist_files()
    register_mnist(monkeypatch, files)
    name = "train-images-idx3-ubyte.gz"
    write_tree(mirror / "mnist", dict(files, **{name: files[name][:100]}))
    with pytest.raises(DataError, match="is 100 bytes, expected") as error:
        data.load_mnist(Split(None, None))
    assert str(mirror / "mnist" / name) in str(error.value)


def _bad_mnist(mirror, monkeypatch, name, payload):
    """A mirror whose file ``name`` is ``payload``, registered as if that were official."""
    files = dict(mnist_files(), **{name: payload})
    register_mnist(monkeypatch, files)
    write_tree(mirror / "mnist", files)
    with pytest.raises(DataError) as error:
        data.load_mnist(Split(None, None))
    return str(error.value)


def test_truncated_gzip(mirror, monkeypatch):
    name = "train-images-idx3-ubyte.gz"
    message = _bad_mnist(mirror, monkeypatch, name, mnist_files()[name][:-200])
    assert str(mirror / "mnist" / name) in message and "not a complete gzip file" in message


def test_not_gzip(mirror, monkeypatch):
    name = "train-labels-idx1-ubyte.gz"
    message = _bad_mnist(mirror, monkeypatch, name, b"<html>Not Found</html>")
    assert str(mirror / "mnist" / name) in message and "not a complete gzip file" in message


def test_wrong_idx_magic(mirror, monkeypatch):
    name = "t10k-images-idx3-ubyte.gz"
    payload = idx(np.zeros((20, 28, 28)), magic=0x00000D03)  # float data, not unsigned bytes
    message = _bad_mnist(mirror, monkeypatch, name, payload)
    assert str(mirror / "mnist" / name) in message
    assert "magic number 0x00000d03, expected 0x00000803" in message


def test_labels_file_given_for_images(mirror, monkeypatch):
    name = "train-images-idx3-ubyte.gz"
    message = _bad_mnist(mirror, monkeypatch, name, idx(np.zeros(40)))
    assert str(mirror / "mnist" / name) in message and "0x00000801, expected 0x00000803" in message


def test_wrong_idx_shape(mirror, monkeypatch):
    name = "train-images-idx3-ubyte.gz"
    message = _bad_mnist(mirror, monkeypatch, name, idx(np.zeros((40, 32, 32))))
    assert str(mirror / "mnist" / name) in message and "shape (32, 32), expected (28, 28)" in message


def test_idx_header_disagrees_with_data(mirror, monkeypatch):
    name = "t10k-images-idx3-ubyte.gz"
    raw = gzip.decompress(idx(np.zeros((20, 28, 28))))
    message = _bad_mnist(mirror, monkeypatch, name, gzip.compress(raw[:-28]))
    assert str(mirror / "mnist" / name) in message and "header announces shape (20, 28, 28)" in message


def test_label_count_mismatch(mirror, monkeypatch):
    name = "t10k-labels-idx1-ubyte.gz"
    message = _bad_mnist(mirror, monkeypatch, name, idx(np.arange(19) % 10))
    assert str(mirror / "mnist" / name) in message and "19 labels" in message


def test_cifar_missing_batch_and_meta(mirror, monkeypatch):
    members = cifar_members()
    register_cifar(monkeypatch, b"unused", members)
    folder = mirror / "cifar10" / "cifar-10-batches-py"
    write_tree(folder, {k: v for k, v in members.items() if k != "test_batch"})
    with pytest.raises(DataError, match="is missing") as error:
        data.load_cifar10(Split(None, None))
    assert str(folder / "test_batch") in str(error.value)
    (folder / "batches.meta").unlink()
    with pytest.raises(DataError, match="is missing") as error:
        data.load_cifar10(Split(None, None))
    assert str(folder / "batches.meta") in str(error.value)


def test_cifar_batch_checked_before_unpickling(mirror, monkeypatch):
    members = cifar_members()
    register_cifar(monkeypatch, b"unused", members)
    folder = mirror / "cifar10" / "cifar-10-batches-py"
    evil = b"cos\nsystem\n(S'touch pwned'\ntR."  # a pickle that would run a command
    write_tree(folder, dict(members, data_batch_1=evil))
    with pytest.raises(DataError, match="has sha256") as error:
        data.load_cifar10(Split(None, None))
    assert str(folder / "data_batch_1") in str(error.value) and not os.path.exists("pwned")


def test_cifar_mirror_holds_neither_folder_nor_archive(mirror, monkeypatch):
    register_cifar(monkeypatch, b"unused", cifar_members())
    with pytest.raises(DataError, match="holds neither") as error:
        data.load_cifar10(Split(None, None))
    assert str(mirror / "cifar10" / "cifar-10-batches-py") in str(error.value)
    assert str(mirror / "cifar10" / "cifar-10-python.tar.gz") in str(error.value)


def test_cifar_archive_in_mirror_is_extracted_into_cache(mirror, monkeypatch, tmp_path):
    members = cifar_members(per_batch=20)
    archive = tar_gz(members)
    register_cifar(monkeypatch, archive, members)
    write_tree(mirror / "cifar10", {"cifar-10-python.tar.gz": archive})
    (x, y), (xt, yt), names = data.load_cifar10(Split(30, 10))
    assert x.shape == (30, 32, 32, 3) and per_class(y) == [3] * 10 and names == CIFAR_NAMES
    expected = [f"cifar10/cifar-10-batches-py/{m}" for m in sorted(members)]
    assert cache_files(tmp_path / "cache") == expected  # the mirror's archive stays there
    # Channels last: pixel (0, 0) of image 0 is bytes 0, 1024, 2048 of its row.
    row = pickle.loads(members["data_batch_1"], encoding="bytes")[b"data"][0]
    full = data.load_cifar10(Split(None, None))
    assert full[0][0][0, 0, 0].tolist() == [row[0], row[1024], row[2048]]
    assert len(full[0][0]) == 100


@pytest.mark.parametrize("cut", ["tar.gz", "zip"])
def test_truncated_archive(mirror, monkeypatch, cut):
    if cut == "tar.gz":
        members = cifar_members()
        archive = tar_gz(members)[:3000]
        register_cifar(monkeypatch, archive, members)
        path = mirror / "cifar10" / "cifar-10-python.tar.gz"
        load = lambda: data.load_cifar10(Split(None, None))  # noqa: E731
    else:
        archive = zip_bytes(cats_files())[:-500]
        register_cats(monkeypatch, archive, "0" * 64)
        path = mirror / "cats_vs_dogs" / "cats_and_dogs_filtered.zip"
        load = lambda: data.load_cats_vs_dogs(Split(None, None))  # noqa: E731
    write_tree(path.parent, {path.name: archive})
    with pytest.raises(DataError, match="not a complete, readable archive") as error:
        load()
    assert str(path) in str(error.value)
    assert cache_files(mirror.parent / "cache") == []  # no half-extracted folder


def _tar_with(member: tarfile.TarInfo, payload: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        ok = tarfile.TarInfo("cifar-10-batches-py/readme.html")
        tar.addfile(ok, io.BytesIO(b""))
        member.size = len(payload) if member.isfile() else 0
        tar.addfile(member, io.BytesIO(payload) if member.isfile() else None)
    return buffer.getvalue()


def _link(name, target, kind):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


UNSAFE_TARS = {
    "dot-dot": (tarfile.TarInfo("cifar-10-batches-py/../../evil"), "would land outside"),
    "absolute": (tarfile.TarInfo("/tmp/evil"), "would land outside"),
    "symlink": (_link("cifar-10-batches-py/link", "/etc/passwd", tarfile.SYMTYPE), "a link"),
    "hardlink": (_link("cifar-10-batches-py/hard", "../../etc/passwd", tarfile.LNKTYPE), "a link"),
    "fifo": (_link("cifar-10-batches-py/fifo", "", tarfile.FIFOTYPE), "a device or fifo"),
}


@pytest.mark.parametrize("case", UNSAFE_TARS)
def test_unsafe_tar_member(mirror, monkeypatch, case):
    member, expected = UNSAFE_TARS[case]
    archive = _tar_with(member, b"evil")
    register_cifar(monkeypatch, archive, cifar_members())
    path = write_tree(mirror / "cifar10", {"cifar-10-python.tar.gz": archive}) / "cifar-10-python.tar.gz"
    with pytest.raises(DataError, match=expected) as error:
        data.load_cifar10(Split(None, None))
    assert str(path) in str(error.value) and repr(member.name) in str(error.value)
    assert cache_files(mirror.parent / "cache") == []
    assert not (mirror.parent / "evil").exists()


@pytest.mark.parametrize("case", ["dot-dot", "symlink"])
def test_unsafe_zip_member(mirror, monkeypatch, case):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        if case == "dot-dot":
            name = "cats_and_dogs_filtered/../../evil.jpg"
            zf.writestr(name, b"evil")
        else:
            name = "cats_and_dogs_filtered/train/cats/link.jpg"
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16)  # a symbolic link, as Info-ZIP stores one
            zf.writestr(info, "/etc/passwd")
    register_cats(monkeypatch, buffer.getvalue(), "0" * 64)
    path = write_tree(mirror / "cats_vs_dogs", {"cats_and_dogs_filtered.zip": buffer.getvalue()})
    with pytest.raises(DataError, match="would land outside" if case == "dot-dot" else "a link") as error:
        data.load_cats_vs_dogs(Split(None, None))
    assert str(path / "cats_and_dogs_filtered.zip") in str(error.value) and repr(name) in str(error.value)
    assert cache_files(mirror.parent / "cache") == [] and not (mirror.parent / "evil.jpg").exists()


def _cats_mirror(mirror, monkeypatch, files=None):
    files = cats_files() if files is None else files
    root = write_tree(mirror / "cats_vs_dogs" / "cats_and_dogs_filtered", files)
    register_cats(monkeypatch, b"unused", data.tree_sha256(root)[0])
    return root


def test_cats_tiny_mirror_and_tree_hash_mismatch(mirror, monkeypatch):
    root = _cats_mirror(mirror, monkeypatch)
    cats = data.load_cats_vs_dogs(Split(None, None))
    assert len(cats.train_paths) == 2 * CATS_COUNTS["train"]
    (root / "train" / "cats" / "cat.0.jpg").write_bytes(jpeg(99))
    with pytest.raises(DataError, match="differs from the official extraction") as error:
        data.load_cats_vs_dogs(Split(None, None))
    assert str(root) in str(error.value) and "verify=False" in str(error.value)
    assert len(data.load_cats_vs_dogs(Split(None, None), verify=False).train_paths) == 12


def test_empty_class_folder(mirror, monkeypatch):
    files = {k: v for k, v in cats_files().items() if not k.startswith("validation/dogs/")}
    root = _cats_mirror(mirror, monkeypatch, files)
    (root / "validation" / "dogs").mkdir()
    with pytest.raises(DataError, match="is empty") as error:
        data.load_cats_vs_dogs(Split(None, None), verify=False)
    assert str(root / "validation" / "dogs") in str(error.value)


def test_class_folders_differ(mirror, monkeypatch):
    files = {k.replace("validation/dogs", "validation/dog"): v for k, v in cats_files().items()}
    root = _cats_mirror(mirror, monkeypatch, files)
    with pytest.raises(DataError, match="class folders") as error:
        data.load_cats_vs_dogs(Split(None, None), verify=False)
    assert str(root / "validation") in str(error.value)


def test_bad_jpegs_skip_or_raise(mirror, monkeypatch):
    root = _cats_mirror(mirror, monkeypatch)
    bad = {"train/cats/cat.0.jpg": jpeg(0)[:200], "validation/dogs/dog.1.jpg": b"not an image\n"}
    write_tree(root, bad)
    with pytest.warns(UserWarning, match="skipping 2 of 20 files") as record:
        cats = data.load_cats_vs_dogs(Split(None, None), verify=False)
    for name in bad:
        assert str(root / name) in str(record[0].message)
        assert str(root / name) not in cats.train_paths + cats.validation_paths
    assert len(cats.skipped) == 2 and len(cats.train_paths) == 11
    assert per_class(cats.validation_labels) == [4, 3]
    with pytest.raises(DataError, match="2 of 20 files cannot be decoded") as error:
        data.load_cats_vs_dogs(Split(None, None), verify=False, on_bad="raise")
    assert all(str(root / name) in str(error.value) for name in bad)
