"""coursekit.datasets against the course mirror, its splits, and the bad-input matrix (no
network; downloads are in test_data_download.py)."""

from __future__ import annotations

import io
import pickle
import tarfile
import zipfile

import numpy as np
import pytest
from _fixtures import (
    CATS_COUNTS,
    CIFAR_NAMES,
    cache_files,
    cats_files,
    cifar_members,
    course_mirror,
    jpeg,
    mnist_files,
    register_cats,
    register_cifar,
    register_mnist,
    tar_gz,
    write_tree,
    zip_bytes,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from coursekit import datasets
from coursekit.datasets import DataError
from coursekit.profiles import PROFILES, Split

ALL = Split(None, 0, None)  # the official training and test data, no validation part


@pytest.fixture
def real_mirror(monkeypatch, tmp_path):
    """The course mirror as COURSEKIT_DATA, an empty cache."""
    mirror = course_mirror()
    monkeypatch.setenv(datasets.DATA_ENV, str(mirror))
    monkeypatch.setenv(datasets.CACHE_ENV, str(tmp_path / "cache"))
    return mirror


@pytest.fixture
def mirror(monkeypatch, tmp_path):
    """An empty test mirror as COURSEKIT_DATA, an empty cache."""
    root = tmp_path / "mirror"
    root.mkdir()
    monkeypatch.setenv(datasets.DATA_ENV, str(root))
    monkeypatch.setenv(datasets.CACHE_ENV, str(tmp_path / "cache"))
    return root


def per_class(labels) -> list[int]:
    return np.bincount(labels).tolist()


def sizes(splits: datasets.Splits) -> tuple[int, int, int]:
    return tuple(len(part[1]) for part in (splits.train, splits.validation, splits.test))


def same(a: datasets.Splits, b: datasets.Splits, part: str) -> bool:
    (xa, ya), (xb, yb) = getattr(a, part), getattr(b, part)
    return np.array_equal(np.asarray(xa), np.asarray(xb)) and np.array_equal(ya, yb)


# --- the course mirror ---------------------------------------------------------------------


def test_mnist_on_the_mirror(real_mirror):
    mnist = datasets.load_mnist(Split(None, 5_000, None))
    (x, y), (_, yv), (xt, yt) = mnist.train, mnist.validation, mnist.test
    assert sizes(mnist) == (55_000, 5_000, 10_000) and mnist.class_names == tuple("0123456789")
    assert (x.shape[1:], x.dtype, y.dtype, xt.shape[1:]) == ((28, 28), np.uint8, np.uint8,
                                                               (28, 28))
    assert per_class(yv) == [500] * 10 and set(y.tolist()) == set(yt.tolist()) == set(range(10))
    assert x.flags.writeable
    # The test part is the official test file, whole and in order.
    official = datasets._read_idx(real_mirror / "mnist" / "t10k-images-idx3-ubyte.gz")
    assert np.array_equal(xt, official)
    a, b = (datasets.load_mnist(Split(6_000, 1_000, 1_000), seed=1) for _ in range(2))
    assert all(same(a, b, part) for part in ("train", "validation", "test"))
    assert per_class(a.train[1]) == [600] * 10 and per_class(a.test[1]) == [100] * 10
    other = datasets.load_mnist(Split(6_000, 1_000, 1_000), seed=2)
    assert not same(a, other, "train")  # the seed draws the training subset...
    assert same(a, other, "validation")  # ...never the validation part (data seed 0)
    assert same(datasets.load_mnist(Split(None, 1_000, None)), a, "validation")


def test_cifar10_on_the_mirror(real_mirror):
    cifar = datasets.load_cifar10(Split(18_000, 2_000, None))
    (x, y), (_, yv), (xt, _) = cifar.train, cifar.validation, cifar.test
    assert sizes(cifar) == (18_000, 2_000, 10_000) and cifar.class_names == tuple(CIFAR_NAMES)
    assert (x.shape[1:], x.dtype, y.dtype, xt.shape[1:]) == ((32, 32, 3), np.uint8, np.uint8,
                                                               (32, 32, 3))
    assert per_class(yv) == [200] * 10  # train: the other 18,000 of the mirror's 20,000
    a, b = (datasets.load_cifar10(Split(4_000, 1_000, 1_000), seed=3) for _ in range(2))
    assert all(same(a, b, part) for part in ("train", "validation", "test"))
    assert per_class(a.train[1]) == [400] * 10 and per_class(a.validation[1]) == [100] * 10
    other = datasets.load_cifar10(Split(4_000, 1_000, 1_000), seed=4)
    assert same(a, other, "validation") and not same(a, other, "train")


def test_cats_vs_dogs_on_the_mirror(real_mirror):
    cats = datasets.load_cats_vs_dogs(Split(1_600, 400, None))
    (paths, y), (val_paths, yv), (test_paths, yt) = cats.train, cats.validation, cats.test
    assert sizes(cats) == (1_600, 400, 1_000) and cats.class_names == ("cats", "dogs")
    assert per_class(y) == [800, 800] and per_class(yv) == [200, 200]
    assert per_class(yt) == [500, 500] and y.dtype == np.uint8 and cats.skipped == ()
    assert cats.root == real_mirror / "cats_vs_dogs" / "cats_and_dogs_filtered"
    assert not set(paths) & set(val_paths)  # training and validation images are disjoint
    assert all(f"/train/{cats.class_names[c]}/" in p for p, c in zip(paths + val_paths,
                                                                      [*y, *yv]))
    assert all(f"/validation/{cats.class_names[c]}/" in p for p, c in zip(test_paths, yt))
    a, b = (datasets.load_cats_vs_dogs(Split(400, 200, 200), seed=4) for _ in range(2))
    assert all(same(a, b, part) for part in ("train", "validation", "test"))
    other = datasets.load_cats_vs_dogs(Split(400, 200, 200), seed=5)
    assert same(a, other, "validation") and not same(a, other, "train")


@pytest.mark.parametrize("profile", ["smoke", "quick"])
def test_every_profile_split_fits_the_mirror(real_mirror, profile):
    loaders = {"mnist": datasets.load_mnist, "cifar10": datasets.load_cifar10,
               "cifar10_bn": datasets.load_cifar10, "cifar10_overfit": datasets.load_cifar10,
               "cats_vs_dogs": datasets.load_cats_vs_dogs}
    for name, split in PROFILES[profile].data.items():
        got = sizes(loaders[name](split))
        assert got[1] == split.validation, name
        assert split.train is None or got[0] == split.train, name
        assert split.test is None or got[2] == split.test, name


def test_full_profile_needs_more_cifar10_than_the_mirror_holds(real_mirror, monkeypatch):
    monkeypatch.setenv("COURSEKIT_PROFILE", "full")
    with pytest.raises(DataError) as error:
        datasets.load_cifar10()
    message = str(error.value)
    assert str(real_mirror / "cifar10" / "cifar-10-batches-py" / "data_batch_3") in message
    for part in ("run profile 'full'", "asks for 50,000", "holds 20,000",
                 "COURSEKIT_PROFILE=quick or smoke", "unset COURSEKIT_DATA"):
        assert part in message


def test_more_than_the_files_hold(real_mirror):
    training = r"asks for 65,000 MNIST images \(training \+ validation\)"
    with pytest.raises(DataError, match=training) as error:
        datasets.load_mnist(Split(60_000, 5_000, None))
    assert "train-images-idx3-ubyte.gz holds 60,000" in str(error.value)
    with pytest.raises(DataError, match=r"asks for 20,000 MNIST images \(test\)"):
        datasets.load_mnist(Split(None, 5_000, 20_000))


# --- the three splits ----------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=8, max_size=80), st.integers(0, 3),
       st.integers(0, 3), st.integers(1, 20), st.integers(0, 2))
def test_cut_is_disjoint_balanced_and_keeps_validation_across_seeds(labels, n_val, n_train,
                                                                   n_test, seed):
    y = np.array(labels, np.uint8)
    x, x_test = np.arange(len(y)), 1_000 + np.arange(len(y))  # ids, one per image
    split = Split(n_train * 2 if n_train else None, n_val * 2, n_test)
    if split.validation + (split.train or 0) > len(y) or n_test > len(y):
        with pytest.raises(DataError, match="asks for"):
            datasets._cut((x, y), (x_test, y), split, seed, "test", "toy", ("a", "b"))
        return
    cuts = [datasets._cut((x, y), (x_test, y), split, s, "test", "toy", ("a", "b"))
            for s in (seed, seed + 1)]
    (train, val, test), (_, val_other, _) = cuts
    assert not set(train[0]) & set(val[0])  # disjoint
    assert len(val[0]) == split.validation and np.array_equal(val[0], val_other[0])
    assert len(train[0]) == (split.train or len(y) - split.validation)
    assert len(test[0]) == min(n_test, len(y)) and set(test[0]) <= set(x_test)  # test untouched
    assert np.array_equal(val[1], y[val[0]]) and np.array_equal(train[1], y[train[0]])
    taken, counts = np.bincount(val[1], minlength=4), np.bincount(y, minlength=4)
    short = taken < counts  # classes not exhausted get equal shares, within one
    assert not short.any() or taken[short].max() - taken[short].min() <= 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=60), st.integers(0, 70),
       st.integers(0, 3))
def test_balanced_subset(labels, n, seed):
    labels = np.array(labels)
    keep = datasets.balanced_subset(labels, n, seed)
    assert np.array_equal(keep, datasets.balanced_subset(labels, n, seed))
    assert len(keep) == min(n, len(labels)) and np.all(np.diff(keep) > 0)
    counts, taken = np.bincount(labels, minlength=5), np.bincount(labels[keep], minlength=5)
    short = taken < counts  # classes not exhausted get equal shares, within one
    if short.any():
        assert taken[short].max() - taken[short].min() <= 1
        assert (taken[~short] <= taken[short].max() + 1).all()


def test_tiny_mnist_splits(mirror, monkeypatch):
    files = mnist_files(n_train=100, n_test=30)
    register_mnist(monkeypatch, files)
    write_tree(mirror / "mnist", files)
    mnist = datasets.load_mnist(Split(50, 20, 10))
    assert sizes(mnist) == (50, 20, 10) and per_class(mnist.validation[1]) == [2] * 10
    train, val = ({im.tobytes() for im in part[0]} for part in (mnist.train, mnist.validation))
    assert len(train) == 50 and not train & val  # random images: each one is unique


# --- the bad-input matrix ------------------------------------------------------------------


def test_mirror_not_a_folder(monkeypatch, tmp_path):
    monkeypatch.setenv(datasets.DATA_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match="is not a folder") as error:
        datasets.load_mnist(ALL)
    assert str(tmp_path / "nowhere") in str(error.value)


def test_missing_mirror_file(mirror, monkeypatch):
    files = mnist_files()
    register_mnist(monkeypatch, files)
    write_tree(mirror / "mnist", {k: v for k, v in files.items() if "t10k-labels" not in k})
    with pytest.raises(DataError, match="is missing. Put the official one there") as error:
        datasets.load_mnist(ALL)
    assert str(mirror / "mnist" / "t10k-labels-idx1-ubyte.gz") in str(error.value)
    assert "unset COURSEKIT_DATA" in str(error.value)


def test_checksum_mismatch_in_mirror(mirror, monkeypatch):
    files = mnist_files()
    register_mnist(monkeypatch, files)
    name = "train-labels-idx1-ubyte.gz"
    bad = dict(files, **{name: files[name][:-1] + bytes([files[name][-1] ^ 1])})
    write_tree(mirror / "mnist", bad)
    with pytest.raises(DataError) as error:
        datasets.load_mnist(ALL)
    message = str(error.value)
    assert str(mirror / "mnist" / name) in message
    assert datasets.REGISTRY["mnist"][1].sha256 in message  # expected
    assert datasets._digest(mirror / "mnist" / name, "sha256") in message  # got
    assert "Put the official one there" in message


def test_checksum_mismatch_in_cache(monkeypatch, tmp_path):
    cache = tmp_path / "cache"
    monkeypatch.delenv(datasets.DATA_ENV, raising=False)
    monkeypatch.setenv(datasets.CACHE_ENV, str(cache))
    files = mnist_files()
    register_mnist(monkeypatch, files)
    name = "t10k-images-idx3-ubyte.gz"
    write_tree(cache / "mnist", dict(files, **{name: b"x" * len(files[name])}))
    with pytest.raises(DataError, match="expected") as error:
        datasets.load_mnist(ALL)
    assert str(cache / "mnist" / name) in str(error.value)
    assert f"Delete {name} and load again" in str(error.value)


@pytest.mark.parametrize("cut", [100, -200])
def test_truncated_file(mirror, monkeypatch, cut):
    files = mnist_files()
    register_mnist(monkeypatch, files)
    name = "train-images-idx3-ubyte.gz"
    write_tree(mirror / "mnist", dict(files, **{name: files[name][:cut]}))
    with pytest.raises(DataError, match="truncated or not the official file") as error:
        datasets.load_mnist(ALL)
    assert str(mirror / "mnist" / name) in str(error.value)
    assert f"expected {len(files[name]):,}" in str(error.value)


def test_cifar_missing_batch_and_meta(mirror, monkeypatch):
    members = cifar_members()
    register_cifar(monkeypatch, b"unused", members)
    folder = mirror / "cifar10" / "cifar-10-batches-py"
    write_tree(folder, {k: v for k, v in members.items() if k != "test_batch"})
    with pytest.raises(DataError, match="is missing") as error:
        datasets.load_cifar10(ALL)
    assert str(folder / "test_batch") in str(error.value)
    (folder / "batches.meta").unlink()
    with pytest.raises(DataError, match="is missing") as error:
        datasets.load_cifar10(ALL)
    assert str(folder / "batches.meta") in str(error.value)


def test_cifar_batch_checked_before_unpickling(mirror, monkeypatch, tmp_path):
    members = cifar_members()
    register_cifar(monkeypatch, b"unused", members)
    folder = mirror / "cifar10" / "cifar-10-batches-py"
    pwned = tmp_path / "pwned"
    evil = f"cos\nsystem\n(S'touch {pwned}'\ntR.".encode()  # a pickle that runs a command
    write_tree(folder, dict(members, data_batch_1=evil))
    with pytest.raises(DataError, match="has sha256") as error:
        datasets.load_cifar10(ALL)
    assert str(folder / "data_batch_1") in str(error.value) and not pwned.exists()


def test_cifar_mirror_holds_neither_folder_nor_archive(mirror, monkeypatch):
    register_cifar(monkeypatch, b"unused", cifar_members())
    with pytest.raises(DataError, match="is missing. Put the official one there") as error:
        datasets.load_cifar10(ALL)
    assert str(mirror / "cifar10" / "cifar-10-python.tar.gz") in str(error.value)
    assert "unset COURSEKIT_DATA" in str(error.value)


def test_cifar_archive_in_mirror_is_extracted_into_cache(mirror, monkeypatch, tmp_path):
    members = cifar_members(per_batch=20)
    archive = tar_gz(members)
    register_cifar(monkeypatch, archive, members)
    write_tree(mirror / "cifar10", {"cifar-10-python.tar.gz": archive})
    cifar = datasets.load_cifar10(Split(30, 10, None))
    assert sizes(cifar) == (30, 10, 20) and per_class(cifar.train[1]) == [3] * 10
    assert cifar.class_names == tuple(CIFAR_NAMES)
    expected = [f"cifar10/cifar-10-batches-py/{m}" for m in sorted(members)]
    assert cache_files(tmp_path / "cache") == expected  # the mirror's archive stays there
    # Channels last: pixel (0, 0) of image 0 is bytes 0, 1024, 2048 of its row.
    row = pickle.loads(members["data_batch_1"], encoding="bytes")[b"data"][0]
    full = datasets.load_cifar10(ALL)
    assert full.train[0][0, 0, 0].tolist() == [row[0], row[1024], row[2048]]
    assert len(full.train[0]) == 100


@pytest.mark.parametrize("kind", ["tar.gz", "zip"])
def test_truncated_archive(mirror, monkeypatch, kind):
    if kind == "tar.gz":
        members = cifar_members()
        archive = tar_gz(members)[:3000]
        register_cifar(monkeypatch, archive, members)
        path, load = mirror / "cifar10" / "cifar-10-python.tar.gz", datasets.load_cifar10
    else:
        archive = zip_bytes(cats_files())[:-500]
        register_cats(monkeypatch, archive, "0" * 64)
        path = mirror / "cats_vs_dogs" / "cats_and_dogs_filtered.zip"
        load = datasets.load_cats_vs_dogs
    write_tree(path.parent, {path.name: archive})
    with pytest.raises(DataError, match="not a complete, readable archive") as error:
        load(ALL)
    assert str(path) in str(error.value)
    assert cache_files(mirror.parent / "cache") == []  # no half-extracted folder


def _member(name: str, kind: bytes = tarfile.REGTYPE, target: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


def _tar_with(member: tarfile.TarInfo, payload: bytes = b"evil") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.addfile(_member("cifar-10-batches-py/readme.html"), io.BytesIO(b""))
        member.size = len(payload) if member.isfile() else 0
        tar.addfile(member, io.BytesIO(payload) if member.isfile() else None)
    return buffer.getvalue()


# Members an official archive never holds. Who refuses each: the course (every link, even
# one that stays inside) or the standard library (tarfile's "data" filter, PEP 706).
UNSAFE_TARS = {
    "dot-dot": _member("cifar-10-batches-py/../../evil"),  # stdlib: outside the destination
    "symlink-absolute": _member("cifar-10-batches-py/a", tarfile.SYMTYPE, "/etc/passwd"),
    "symlink-outside": _member("cifar-10-batches-py/b", tarfile.SYMTYPE, "../../etc/passwd"),
    "hardlink-outside": _member("cifar-10-batches-py/c", tarfile.LNKTYPE, "../../etc/passwd"),
    "fifo": _member("cifar-10-batches-py/fifo", tarfile.FIFOTYPE),  # stdlib: special file
    "symlink-inside": _member("cifar-10-batches-py/d", tarfile.SYMTYPE, "readme.html"),
}


@pytest.mark.parametrize("case", UNSAFE_TARS)
def test_unsafe_tar_member(mirror, monkeypatch, case):
    member = UNSAFE_TARS[case]
    archive = _tar_with(member)
    register_cifar(monkeypatch, archive, cifar_members())
    path = write_tree(mirror / "cifar10", {"cifar-10-python.tar.gz": archive})
    with pytest.raises(DataError, match="holds an unsafe member") as error:
        datasets.load_cifar10(ALL)
    assert str(path / "cifar-10-python.tar.gz") in str(error.value)
    assert repr(member.name) in str(error.value)
    assert cache_files(mirror.parent / "cache") == []
    assert not (mirror.parent / "evil").exists()


def test_absolute_tar_member_lands_inside(tmp_path):
    """tarfile's "data" filter strips the leading "/" of an absolute name (PEP 706)."""
    outside = tmp_path / "outside" / "evil"
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(_tar_with(_member(str(outside))))
    datasets._unpack(archive, tmp_path / "into")
    assert not outside.exists()
    assert (tmp_path / "into" / str(outside).lstrip("/")).read_bytes() == b"evil"


@pytest.mark.parametrize("case", ["dot-dot", "absolute", "symlink"])
def test_unsafe_zip_member(mirror, monkeypatch, case):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("cats_and_dogs_filtered/train/cats/cat.0.jpg", jpeg(0))
        name = {"dot-dot": "cats_and_dogs_filtered/../../evil.jpg", "absolute": "/evil.jpg",
                "symlink": "cats_and_dogs_filtered/train/cats/link.jpg"}[case]
        info = zipfile.ZipInfo(name)
        if case == "symlink":
            info.external_attr = 0o120777 << 16  # a symbolic link, as Info-ZIP stores one
        zf.writestr(info, "/etc/passwd" if case == "symlink" else "evil")
    register_cats(monkeypatch, buffer.getvalue(), "0" * 64)
    path = write_tree(mirror / "cats_vs_dogs", {"cats_and_dogs_filtered.zip": buffer.getvalue()})
    with pytest.raises(DataError, match="holds an unsafe member") as error:
        datasets.load_cats_vs_dogs(ALL)
    assert str(path / "cats_and_dogs_filtered.zip") in str(error.value)
    assert repr(name) in str(error.value)
    assert cache_files(mirror.parent / "cache") == []  # nothing extracted at all
    assert not (mirror.parent / "evil.jpg").exists()


def _cats_mirror(mirror, monkeypatch, files=None):
    files = cats_files() if files is None else files
    root = write_tree(mirror / "cats_vs_dogs" / "cats_and_dogs_filtered", files)
    register_cats(monkeypatch, b"unused", datasets.tree_sha256(root)[0])
    return root


def test_cats_tiny_mirror_and_tree_hash_mismatch(mirror, monkeypatch):
    root = _cats_mirror(mirror, monkeypatch)
    cats = datasets.load_cats_vs_dogs(Split(None, 4, None))
    n_train, n_test = 2 * CATS_COUNTS["train"], 2 * CATS_COUNTS["validation"]
    assert sizes(cats) == (n_train - 4, 4, n_test) and per_class(cats.validation[1]) == [2, 2]
    (root / "train" / "cats" / "cat.0.jpg").write_bytes(jpeg(99))
    with pytest.raises(DataError, match="differs from the official extraction") as error:
        datasets.load_cats_vs_dogs(ALL)
    assert str(root) in str(error.value) and "verify=False" in str(error.value)
    assert sizes(datasets.load_cats_vs_dogs(ALL, verify=False)) == (n_train, 0, n_test)


def test_empty_class_folder(mirror, monkeypatch):
    files = {k: v for k, v in cats_files().items() if not k.startswith("validation/dogs/")}
    root = _cats_mirror(mirror, monkeypatch, files)
    (root / "validation" / "dogs").mkdir()
    with pytest.raises(DataError, match="is empty") as error:
        datasets.load_cats_vs_dogs(ALL, verify=False)
    assert str(root / "validation" / "dogs") in str(error.value)


def test_class_folders_differ(mirror, monkeypatch):
    files = {k.replace("validation/dogs", "validation/dog"): v for k, v in cats_files().items()}
    root = _cats_mirror(mirror, monkeypatch, files)
    with pytest.raises(DataError, match="different class folders") as error:
        datasets.load_cats_vs_dogs(ALL, verify=False)
    assert str(root) in str(error.value)


def test_bad_jpegs_skip_or_raise(mirror, monkeypatch):
    root = _cats_mirror(mirror, monkeypatch)
    bad = {"train/cats/cat.0.jpg": jpeg(0)[:200], "validation/dogs/dog.1.jpg": b"not an image\n"}
    write_tree(root, bad)
    with pytest.warns(UserWarning, match="skipping 1 of") as record:
        cats = datasets.load_cats_vs_dogs(ALL, verify=False)
    messages = " ".join(str(warning.message) for warning in record)
    everything = cats.train[0] + cats.validation[0] + cats.test[0]
    for name in bad:
        assert str(root / name) in messages and str(root / name) not in everything
    assert len(cats.skipped) == 2 and sizes(cats) == (11, 0, 7)
    assert per_class(cats.test[1]) == [4, 3]
    with pytest.raises(DataError, match="1 of 12 files cannot be decoded") as error:
        datasets.load_cats_vs_dogs(ALL, verify=False, on_bad="raise")
    assert str(root / "train/cats/cat.0.jpg") in str(error.value)
