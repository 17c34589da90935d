"""The course's three data sets: found in the mirror ``$COURSEKIT_DATA/<data set>/`` if set
(then the only source), else in the cache ``$COURSEKIT_CACHE`` (``~/.cache/coursekit``),
else downloaded and extracted there under a file lock, into a temporary folder first.
Every file is checked before it is read; a problem raises ``DataError``."""

import contextlib
import gzip
import hashlib
import http.client
import os
import pickle
import shutil
import stat
import struct
import tarfile
import tempfile
import urllib.request
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from filelock import FileLock
from tqdm import tqdm

from coursekit import images, profiles

DATA_ENV = "COURSEKIT_DATA"
CACHE_ENV = "COURSEKIT_CACHE"


class DataError(Exception):
    """A data file is missing, incomplete, not the official one, or unsafe to use."""


@dataclass(frozen=True)
class Remote:
    """One file as its publisher serves it, and what is known of its contents."""

    dataset: str  # the sub-folder of the mirror and of the cache
    name: str  # the official file name
    url: str
    size: int  # bytes
    sha256: str | None  # None: none is published
    extracts_to: str | None = None  # an archive: the folder it extracts to
    members: Mapping[str, str] = field(default_factory=dict)  # "sha256:..."/"md5:..." by file
    tree_sha256: str | None = None  # of the extracted folder (see ``tree_sha256``)


_MNIST = "https://storage.googleapis.com/cvdf-datasets/mnist/"  # as Keras and TFDS use
# sha256 as measured on the course mirror, else torchvision's md5 (of a sha256-checked archive)
_CIFAR_MEMBERS = {
    "batches.meta": "sha256:f962466ef690d46b226450fb9aadc74ba4bc64a76aa526b5827fe4bc5c7125cb",
    "data_batch_1": "sha256:54636561a3ce25bd3e19253c6b0d8538147b0ae398331ac4a2d86c6d987368cd",
    "data_batch_2": "sha256:766b2cef9fbc745cf056b3152224f7cf77163b330ea9a15f9392beb8b89bc5a8",
    "data_batch_3": "md5:54ebc095f3ab1f0389bbae665268c751",
    "data_batch_4": "md5:634d18415352ddfa80567beed471001a",
    "data_batch_5": "md5:482c414d41f54cd18b22e5b47cb7c3cb",
    "test_batch": "sha256:f53d8d457504f7cff4ea9e021afcf0e0ad8e24a91f3fc42091b8adef61157831",
}

# The one table of remote files (tests point an entry at a local server).
REGISTRY: dict[str, tuple[Remote, ...]] = {
    "mnist": (
        Remote("mnist", "train-images-idx3-ubyte.gz", _MNIST + "train-images-idx3-ubyte.gz",
               9_912_422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
        Remote("mnist", "train-labels-idx1-ubyte.gz", _MNIST + "train-labels-idx1-ubyte.gz",
               28_881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
        Remote("mnist", "t10k-images-idx3-ubyte.gz", _MNIST + "t10k-images-idx3-ubyte.gz",
               1_648_877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
        Remote("mnist", "t10k-labels-idx1-ubyte.gz", _MNIST + "t10k-labels-idx1-ubyte.gz",
               4_542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    ),
    "cifar10": (
        Remote("cifar10", "cifar-10-python.tar.gz",
               "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
               170_498_071, "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
               extracts_to="cifar-10-batches-py", members=_CIFAR_MEMBERS),
    ),
    # No checksum of this zip is published: HTTPS, its size, CRC-32s and the images' tree hash.
    "cats_vs_dogs": (
        Remote("cats_vs_dogs", "cats_and_dogs_filtered.zip",
               "https://storage.googleapis.com/mledu-datasets/cats_and_dogs_filtered.zip",
               68_606_236, None, extracts_to="cats_and_dogs_filtered",
               tree_sha256="61fc1fc142692bbd2457f9e62fe29043348bff260546052a78b8281152294333"),
    ),
}


def _mirror() -> Path | None:
    value = os.environ.get(DATA_ENV, "").strip()
    if value and not Path(value).expanduser().is_dir():
        raise DataError(f"{DATA_ENV}={value} is not a folder. Point it at a data mirror "
                        f"(the course's is ../shared/data), or unset it.")
    return Path(value).expanduser() if value else None


def _cache() -> Path:
    return Path(os.environ.get(CACHE_ENV) or "~/.cache/coursekit").expanduser()


def _fix(path: Path) -> str:
    """How to repair a bad or missing file or folder: in the mirror, else in the cache."""
    if (mirror := _mirror()) is not None and path.resolve().is_relative_to(mirror.resolve()):
        return f"Put the official one there, or unset {DATA_ENV} to download it."
    return f"Delete {path.name} and load again to download it afresh."


def _digest(path: Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _check(path: Path, size: int | None, checksum: str | None) -> None:
    """Raise DataError unless ``path`` exists with this size and ``checksum`` ('md5:...')."""
    if not path.is_file():
        raise DataError(f"{path} is missing. {_fix(path.parent)}")
    if size is not None and (got := path.stat().st_size) != size:
        raise DataError(f"{path} is {got:,} bytes, expected {size:,}: it is truncated or not "
                        f"the official file. {_fix(path)}")
    if checksum:
        algorithm, expected = checksum.split(":")
        if (got := _digest(path, algorithm)) != expected:
            raise DataError(f"{path} has {algorithm} {got}, expected {expected}: it is corrupt "
                            f"or not the official file. {_fix(path)}")


def tree_sha256(folder: Path) -> tuple[str, int]:
    """``cd folder && find . -mindepth 2 -type f | sort | xargs sha256sum | sha256sum``, count."""
    files = sorted("./" + p.relative_to(folder).as_posix() for p in folder.rglob("*")
                   if p.is_file() and len(p.relative_to(folder).parts) > 1)
    lines = "".join(f"{_digest(folder / f, 'sha256')}  {f}\n" for f in files)
    return hashlib.sha256(lines.encode()).hexdigest(), len(files)


def fetch(remote: Remote) -> Path:
    """A checked local copy of ``remote``: the mirror's, else the cache's, else downloaded."""
    mirror = _mirror()
    path = (mirror or _cache()) / remote.dataset / remote.name
    if mirror is None and not path.is_file():
        _download(remote, path)  # checked while downloading
    else:
        _check(path, remote.size, remote.sha256 and f"sha256:{remote.sha256}")
    return path


def fetch_extracted(remote: Remote, verify: bool = True) -> Path:
    """The folder ``remote`` extracts to (mirror, cache or extracted); ``verify``: its tree."""
    mirror = _mirror()
    if mirror is None or not (folder := mirror / remote.dataset / remote.extracts_to).is_dir():
        folder = _cache() / remote.dataset / remote.extracts_to  # from the mirror's archive too
    if not folder.is_dir():
        with _staging(folder) as temp:
            if not folder.is_dir():  # else another process extracted it while we waited
                archive = fetch(remote)
                _unpack(archive, temp)
                extracted = temp / remote.extracts_to
                if (want := remote.tree_sha256) and (tree := tree_sha256(extracted))[0] != want:
                    raise DataError(f"{archive} is not the official archive: its {tree[1]:,} "
                                    f"files have the tree hash {tree[0]}. {_fix(archive)}")
                os.replace(extracted, folder)
                if archive.is_relative_to(_cache()):
                    archive.unlink()  # the extracted folder is what the loaders read
                return folder
    if verify and remote.tree_sha256 and (tree := tree_sha256(folder))[0] != remote.tree_sha256:
        raise DataError(f"{folder} differs from the official extraction ({tree[1]:,} files, "
                        f"tree hash {tree[0]}). {_fix(folder)} To load a folder you changed "
                        f"on purpose, pass verify=False.")
    return folder


@contextlib.contextmanager
def _staging(dest: Path):
    """Locked: a hidden temporary folder beside ``dest``, removed on exit (and stale ones)."""
    (locks := _cache() / ".locks").mkdir(parents=True, exist_ok=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(locks / f"{dest.parent.name}.{dest.name}.lock")):
        for stale in dest.parent.glob(f".{dest.name}.*.part"):
            shutil.rmtree(stale, ignore_errors=True)
        temp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part"))
        try:
            yield temp
        finally:  # any failure, KeyboardInterrupt included
            shutil.rmtree(temp, ignore_errors=True)


def _download(remote: Remote, dest: Path) -> None:
    """Download ``remote`` to ``dest``, which appears only once complete and checked."""
    with _staging(dest) as temp:
        if dest.is_file():  # another process downloaded it while we waited
            return
        sha, got, problem = hashlib.sha256(), 0, None
        with open(temp / dest.name, "wb") as out:
            try:
                with urllib.request.urlopen(remote.url, timeout=60) as response, tqdm(
                        total=remote.size, unit="B", unit_scale=True, unit_divisor=1024,
                        desc=remote.name) as bar:
                    while got <= remote.size and (chunk := response.read(1 << 20)):
                        got += len(chunk)
                        sha.update(chunk)
                        out.write(chunk)
                        bar.update(len(chunk))
            except (OSError, http.client.HTTPException) as error:
                problem = str(error) or type(error).__name__
            out.flush()
            os.fsync(out.fileno())
        problem = problem or ("connection dropped" if got < remote.size else
                              "more than expected" if got > remote.size else
                              remote.sha256 not in (None, sha.hexdigest()) and
                              f"sha256 {sha.hexdigest()}, expected {remote.sha256}")
        if problem:
            raise DataError(f"Downloading {remote.url} to {dest} failed at {got:,} of "
                            f"{remote.size:,} bytes ({problem}); nothing was kept. Load again, "
                            f"or put the file in <mirror>/{remote.dataset}/ and set "
                            f"{DATA_ENV}=<mirror>.")
        os.replace(temp / dest.name, dest)


def _unpack(archive: Path, into: Path) -> None:
    """Extract a .zip or .tar(.gz): plain files and folders only, all inside ``into``."""
    try:
        if archive.suffix != ".zip":
            with tarfile.open(archive) as tar:  # PEP 706's "data" filter refuses '..', devices
                if links := [m.name for m in tar.getmembers() if m.issym() or m.islnk()]:
                    raise tarfile.FilterError(f"{links[0]!r} is a link")
                return tar.extractall(into, filter="data")
        with zipfile.ZipFile(archive) as zf:
            for name, attr in ((i.filename, i.external_attr) for i in zf.infolist()):
                # ZipFile would rename these silently: refuse them as tarfile's filter does
                if stat.S_ISLNK(attr >> 16) or name.startswith("/") or ".." in name.split("/"):
                    raise tarfile.FilterError(f"{name!r} is a link or leads outside the folder")
            zf.extractall(into)  # checks every member's CRC-32
    except tarfile.FilterError as error:
        raise DataError(f"{archive} holds an unsafe member, refused: {error}. It is not the "
                        f"official archive. {_fix(archive)}") from None
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error,
            gzip.BadGzipFile) as error:
        raise DataError(f"{archive} is not a complete, readable archive ({error}). "
                        f"{_fix(archive)}") from None


@dataclass(frozen=True, eq=False)
class Splits:
    """Each part ``(x, y)``: x uint8 images ``(N, H, W[, C])`` or JPEG paths, y uint8 ``(N,)``."""

    train: tuple
    validation: tuple
    test: tuple
    class_names: tuple[str, ...]
    root: Path | None = None  # image folders: where the files are
    skipped: tuple[images.ImageProblem, ...] = ()  # image folders: undecodable files left out


def balanced_subset(labels: np.ndarray, n: int | None, seed: int = 0) -> np.ndarray:
    """Sorted indices of ``n`` examples (None: all), as equal per class as counts allow."""
    labels = np.asarray(labels)
    if n is None or n >= len(labels):
        return np.arange(len(labels))
    classes, counts = np.unique(labels, return_counts=True)
    quotas, left = np.zeros_like(counts), n
    order = np.argsort(counts, kind="stable")
    for i, k in enumerate(order):  # smallest classes first ("water filling")
        quotas[k] = min(counts[k], left // (len(order) - i))
        left -= quotas[k]
    rng = np.random.default_rng(seed)
    chosen = [rng.choice(np.flatnonzero(labels == c), q, replace=False)
              for c, q in zip(classes, quotas)]
    return np.sort(np.concatenate(chosen))


def _split(dataset: str, split: profiles.Split | None) -> tuple[profiles.Split, str]:
    profile = profiles.active() if split is None else None  # who asks, for error messages
    return (split, f"split={split}") if profile is None else (
        profile.data[dataset], f"run profile {profile.name!r}")


def _cut(train: tuple, test: tuple, split: profiles.Split, seed: int, who: str, what: str,
         sources: tuple) -> tuple[tuple, tuple, tuple]:
    """``(train, validation, test)``; validation is drawn with seed 0: the same in every run."""
    for wanted, held, part, source in ((split.validation + (split.train or 0), len(train[1]),
                                        "training + validation", sources[0]),
                                       (split.test or 0, len(test[1]), "test", sources[1])):
        if wanted > held:
            raise DataError(f"The {who} asks for {wanted:,} {what} images ({part}), but "
                            f"{source} holds {held:,}. Ask for fewer (e.g. a smaller profile).")
    y = train[1]
    val = balanced_subset(y, split.validation, seed=0)
    rest = np.setdiff1d(np.arange(len(y)), val)
    keeps = rest[balanced_subset(y[rest], split.train, seed)], val, balanced_subset(
        test[1], split.test, seed)
    return tuple((x[k] if isinstance(x, np.ndarray) else tuple(x[i] for i in k), y[k])
                 for (x, y), k in zip((train, train, test), keeps))


def _read_idx(path: Path) -> np.ndarray:
    """A gzipped IDX file of unsigned bytes as an array (byte 3: the number of axes)."""
    with gzip.open(path) as f:
        raw = f.read()
    dims = struct.unpack(f">{raw[3]}I", raw[4:4 + 4 * raw[3]])
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * raw[3]).reshape(dims)


def load_mnist(split: profiles.Split | None = None, seed: int = 0) -> Splits:
    """MNIST (60,000 + 10,000 images uint8 ``(N, 28, 28)``) cut by ``split`` (default: the
    run profile's ``data["mnist"]``) into class-balanced subsets drawn with ``seed``."""
    split, who = _split("mnist", split)
    paths = [fetch(remote) for remote in REGISTRY["mnist"]]  # train x, y, test x, y
    x, y, x_test, y_test = map(_read_idx, paths)
    parts = _cut((x, y), (x_test, y_test), split, seed, who, "MNIST", (paths[0], paths[2]))
    return Splits(*parts, tuple(str(d) for d in range(10)))


def _unpickle(path: Path, remote: Remote) -> dict:
    """A CIFAR-10 file, checked against its checksum before it is unpickled."""
    _check(path, None, remote.members[path.name])
    with open(path, "rb") as f:
        return pickle.load(f, encoding="bytes")


def _cifar_batch(path: Path, remote: Remote) -> tuple[np.ndarray, np.ndarray]:
    batch = _unpickle(path, remote)  # rows of 1024 red, 1024 green, 1024 blue values: to HWC
    return batch[b"data"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), np.uint8(batch[b"labels"])


def load_cifar10(split: profiles.Split | None = None, seed: int = 0) -> Splits:
    """CIFAR-10 (50,000 + 10,000 images uint8 ``(N, 32, 32, 3)``) as ``load_mnist``; train and
    validation from the fewest leading batches that hold them (so the partial mirror and
    the full download give the same subsets)."""
    split, who = _split("cifar10", split)
    (remote,) = REGISTRY["cifar10"]
    folder = fetch_extracted(remote)
    names = tuple(n.decode() for n in _unpickle(folder / "batches.meta", remote)[b"label_names"])
    wanted = 50_000 if split.train is None else split.train + split.validation
    batches, held = [], 0
    while held < wanted and len(batches) < 5:
        if not (path := folder / f"data_batch_{len(batches) + 1}").is_file():
            raise DataError(f"{path} is missing: the {who} asks for {wanted:,} CIFAR-10 "
                            f"training images, but {folder} holds {held:,}. Use "
                            f"COURSEKIT_PROFILE=quick or smoke, or: {_fix(folder)}")
        batches.append(_cifar_batch(path, remote))
        held += len(batches[-1][1])
    train = tuple(np.concatenate(part) for part in zip(*batches))
    test_path = folder / "test_batch"
    return Splits(*_cut(train, _cifar_batch(test_path, remote), split, seed, who, "CIFAR-10",
                        (folder, test_path)), names)


def load_cats_vs_dogs(split: profiles.Split | None = None, seed: int = 0,
                      on_bad: str = "skip", verify: bool = True) -> Splits:
    """Cats vs dogs as JPEG paths (train and validation from ``train/``, test from the
    official ``validation/``) as ``load_mnist``; ``verify``: check the tree hash; ``on_bad``:
    see ``images.image_folder``."""
    split, who = _split("cats_vs_dogs", split)
    (remote,) = REGISTRY["cats_vs_dogs"]
    root = fetch_extracted(remote, verify=verify)
    try:
        train, test = [images.image_folder(root / p, on_bad) for p in ("train", "validation")]
    except ValueError as error:
        raise DataError(str(error)) from None
    if train.class_names != test.class_names:
        raise DataError(f"{root}/train and validation/ have different class folders: "
                        f"{list(train.class_names)} and {list(test.class_names)}.")
    parts = _cut((train.paths, train.labels), (test.paths, test.labels), split, seed, who,
                 "cats-vs-dogs", (train.folder, test.folder))
    return Splits(*parts, train.class_names, root=root, skipped=train.skipped + test.skipped)
