"""The course's three data sets: find, verify, cache and load them.

Every file comes from the first of these places that applies:

1. ``COURSEKIT_DATA``, a mirror folder: ``<mirror>/<data set>/<official file name>``, or
   for an archive the folder it extracts to. When it is set it is the only source: a file
   missing there is an error (offline machines should fail clearly, not try the network).
2. The cache, ``COURSEKIT_CACHE`` (default ``~/.cache/coursekit``), laid out like a mirror.
3. The official origin (``REGISTRY``): downloaded with a progress bar into an unnamed (or
   hidden) temporary file in the cache's folder, its size and sha256 checked, and only
   then linked into place, under a file lock so that two processes neither corrupt nor
   duplicate a download. On any failure, Ctrl-C included, nothing is left in the cache.
   Archives are extracted the same way: into a temporary folder, member by member
   (no absolute paths, no ``..``, no links), checked, then renamed into place.

Nothing is read before it is checked: MNIST's files and CIFAR-10's batches against their
sha256 (md5 where only that is published) each time they are loaded, the cats-vs-dogs
folder against its tree hash. Every problem raises ``DataError``, whose message names the
file and says how to fix it.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import pickle
import shutil
import stat
import struct
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Mapping

import numpy as np

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
    sha256: str | None  # None: none is published (see tree_sha256)
    extracts_to: str | None = None  # for an archive: the folder it extracts to
    # Checksums ("sha256:..." or "md5:...") of the extracted files the loader reads.
    members: Mapping[str, str] = field(default_factory=dict)
    # sha256 of the sorted `sha256sum` lines of every file in a sub-folder of the
    # extracted folder, as `find . -type f | sort | xargs sha256sum | sha256sum` prints.
    tree_sha256: str | None = None


_MNIST = "https://storage.googleapis.com/cvdf-datasets/mnist/"  # as Keras and TFDS use

# The one table of remote files. Tests point a data set at a local server by replacing
# its entry (e.g. ``monkeypatch.setitem(REGISTRY, "mnist", (...))``).
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
        Remote(
            "cifar10", "cifar-10-python.tar.gz",
            "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
            170_498_071, "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
            extracts_to="cifar-10-batches-py",
            # sha256 where the course mirror could measure it, else the md5 published
            # with torchvision (an md5 second preimage is out of reach, so it still
            # tells the official file from any other; these come from a sha256-checked
            # archive anyway).
            members={
                "batches.meta": "sha256:f962466ef690d46b226450fb9aadc74ba4bc64a76aa526b5827fe4bc5c7125cb",
                "data_batch_1": "sha256:54636561a3ce25bd3e19253c6b0d8538147b0ae398331ac4a2d86c6d987368cd",
                "data_batch_2": "sha256:766b2cef9fbc745cf056b3152224f7cf77163b330ea9a15f9392beb8b89bc5a8",
                "data_batch_3": "md5:54ebc095f3ab1f0389bbae665268c751",
                "data_batch_4": "md5:634d18415352ddfa80567beed471001a",
                "data_batch_5": "md5:482c414d41f54cd18b22e5b47cb7c3cb",
                "test_batch": "sha256:f53d8d457504f7cff4ea9e021afcf0e0ad8e24a91f3fc42091b8adef61157831",
            },
        ),
    ),
    # No checksum of this zip is published, and none could be measured for the course
    # (the mirror holds its extraction, not the zip). Decision: no trust-on-first-use
    # hash; the zip is trusted through (1) HTTPS from Google's storage, (2) its exact
    # size, (3) zip's CRC-32 of every member while it is extracted, member by member,
    # refusing anything unsafe, (4) the tree hash of the extracted images, checked
    # before the folder is moved into the cache. The images are only ever decoded as
    # JPEGs, never executed or unpickled. The zip's stray vectorize.py (a loose file
    # at the top) is outside the tree hash and unused.
    "cats_vs_dogs": (
        Remote(
            "cats_vs_dogs", "cats_and_dogs_filtered.zip",
            "https://storage.googleapis.com/mledu-datasets/cats_and_dogs_filtered.zip",
            68_606_236, None,
            extracts_to="cats_and_dogs_filtered",
            tree_sha256="61fc1fc142692bbd2457f9e62fe29043348bff260546052a78b8281152294333",
        ),
    ),
}


# --- where files come from ---------------------------------------------------------------


def mirror_dir() -> Path | None:
    """The mirror folder named by ``COURSEKIT_DATA``, or None when it is unset."""
    value = os.environ.get(DATA_ENV, "").strip()
    if not value:
        return None
    mirror = Path(value).expanduser()
    if not mirror.is_dir():
        raise DataError(
            f"{DATA_ENV}={value} is not a folder. Point it at a data mirror "
            f"(the course's is ../shared/data), or unset it to use the cache and downloads."
        )
    return mirror


def cache_dir() -> Path:
    """The cache folder: ``COURSEKIT_CACHE``, or ``~/.cache/coursekit``."""
    return Path(os.environ.get(CACHE_ENV) or "~/.cache/coursekit").expanduser()


def _fix(path: Path) -> str:
    """How to repair a bad file or folder, by where it lives."""
    mirror = os.environ.get(DATA_ENV, "").strip()
    if mirror and Path(path).resolve().is_relative_to(Path(mirror).expanduser().resolve()):
        return (f"Replace it with the official one, or unset {DATA_ENV} "
                f"to download it into the cache.")
    if Path(path).resolve().is_relative_to(cache_dir().resolve()):
        return "Delete it and load again to download it afresh."
    return "Replace it with a good copy."


def fetch(remote: Remote) -> Path:
    """A checked local copy of ``remote``: the mirror's, else the cache's, else downloaded."""
    mirror = mirror_dir()
    if mirror is not None:
        path = mirror / remote.dataset / remote.name
        if not path.is_file():
            raise DataError(
                f"{path} is missing from the mirror {DATA_ENV}={mirror}. Put the official "
                f"file there (from {remote.url}), or unset {DATA_ENV} to download it into "
                f"the cache ({cache_dir()})."
            )
    else:
        path = cache_dir() / remote.dataset / remote.name
        if not path.is_file():
            _download(remote, path)
            return path  # checked while downloading
    _check(path, remote.size, remote.sha256 and f"sha256:{remote.sha256}")
    return path


def fetch_extracted(remote: Remote, verify: bool = True) -> Path:
    """The folder archive ``remote`` extracts to: the mirror's, the cache's, or extracted.

    With ``verify``, a folder with a ``tree_sha256`` is checked against it (a fresh
    extraction always is, before it enters the cache).
    """
    mirror = mirror_dir()
    folder = (mirror or cache_dir()) / remote.dataset / remote.extracts_to
    if mirror is not None and not folder.is_dir():
        if not (mirror / remote.dataset / remote.name).is_file():
            raise DataError(
                f"The mirror {DATA_ENV}={mirror} holds neither {folder} (the extracted "
                f"folder) nor {mirror / remote.dataset / remote.name} (the official archive, "
                f"{remote.url}). Put one there, or unset {DATA_ENV} to download it."
            )
        folder = cache_dir() / remote.dataset / remote.extracts_to  # extract from the mirror
    if not folder.is_dir():
        folder.parent.mkdir(parents=True, exist_ok=True)
        with _lock(folder):
            if not folder.is_dir():  # else another process extracted it while we waited
                archive = fetch(remote)
                _extract(archive, remote, folder)
                if archive.is_relative_to(cache_dir()):
                    archive.unlink()  # the extracted folder is what the loaders read
                return folder
    if verify and remote.tree_sha256:
        _check_tree(folder, remote.tree_sha256)
    return folder


# --- checking ------------------------------------------------------------------------------


def _digest(path: Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _check(path: Path, size: int | None, checksum: str | None) -> None:
    """Raise DataError unless ``path`` has this size and ``checksum`` ('sha256:...'/'md5:...')."""
    if size is not None and (got := path.stat().st_size) != size:
        raise DataError(
            f"{path} is {got:,} bytes, expected {size:,}: it is truncated or not the "
            f"official file. {_fix(path)}"
        )
    if checksum:
        algorithm, expected = checksum.split(":")
        if (got := _digest(path, algorithm)) != expected:
            raise DataError(
                f"{path} has {algorithm} {got}, expected {expected}: it is corrupt or not "
                f"the official file. {_fix(path)}"
            )


def tree_sha256(folder: Path) -> tuple[str, int]:
    """The tree hash of the files in ``folder``'s sub-folders, and how many there are.

    Equal to ``cd folder && find . -mindepth 2 -type f | sort | xargs sha256sum | sha256sum``.
    """
    files = sorted(
        "./" + p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and len(p.relative_to(folder).parts) > 1
    )
    lines = "".join(f"{_digest(folder / f, 'sha256')}  {f}\n" for f in files)
    return hashlib.sha256(lines.encode()).hexdigest(), len(files)


def _check_tree(folder: Path, expected: str) -> None:
    got, count = tree_sha256(folder)
    if got != expected:
        raise DataError(
            f"{folder} differs from the official extraction: its tree hash is {got}, "
            f"expected {expected} ({count:,} files found). {_fix(folder)} To load a "
            f"folder you changed on purpose, pass verify=False."
        )


# --- downloading ---------------------------------------------------------------------------

# An O_TMPFILE file has no name until it is linked into place, so even a process killed
# with SIGKILL leaves nothing behind. Elsewhere a hidden ".<name>.*.part" file is used,
# and the next download of that file removes any such leftover.
_ANONYMOUS_TEMP = hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd")


def _lock(path: Path):
    from filelock import FileLock

    locks = cache_dir() / ".locks"
    locks.mkdir(parents=True, exist_ok=True)
    return FileLock(str(locks / f"{path.parent.name}.{path.name}.lock"))


def _open_temp(dest: Path) -> tuple[int, str | None]:
    """A temporary file in ``dest``'s folder: (fd, None) if unnamed, else (fd, its path)."""
    if _ANONYMOUS_TEMP:
        try:
            return os.open(dest.parent, os.O_TMPFILE | os.O_WRONLY, 0o644), None
        except OSError:  # a file system without O_TMPFILE
            pass
    return tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")


def _download(remote: Remote, dest: Path) -> None:
    """Download ``remote`` to ``dest``, which appears only once complete and checked."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with _lock(dest):
        if dest.is_file():  # another process downloaded it while we waited
            return
        for stale in dest.parent.glob(f".{dest.name}.*.part"):
            stale.unlink(missing_ok=True)  # left by a process killed mid-download
        fd, temp = _open_temp(dest)
        try:
            with os.fdopen(fd, "wb") as out:
                _stream(remote, out, dest)
                out.flush()
                os.fsync(out.fileno())
                if temp is None:  # give the unnamed file its name: with a dir fd,
                    # os.link is linkat(AT_SYMLINK_FOLLOW), which follows /proc's link
                    folder = os.open(dest.parent, os.O_RDONLY)
                    try:
                        os.link(f"/proc/self/fd/{out.fileno()}", dest.name, dst_dir_fd=folder)
                    finally:
                        os.close(folder)
            if temp is not None:
                os.replace(temp, dest)
        finally:  # any failure, KeyboardInterrupt included
            if temp is not None:
                Path(temp).unlink(missing_ok=True)


def _stream(remote: Remote, out, dest: Path) -> None:
    """Copy ``remote.url`` into ``out`` with a progress bar; check its size and sha256."""
    from tqdm import tqdm

    offline = (f"Without internet, put the official file in <mirror>/{remote.dataset}/"
               f"{remote.name} and set {DATA_ENV}=<mirror>.")
    sha, got = hashlib.sha256(), 0
    try:
        with urllib.request.urlopen(remote.url, timeout=60) as response, tqdm(
            total=remote.size, unit="B", unit_scale=True, unit_divisor=1024,
            desc=remote.name, file=sys.stderr,
        ) as bar:
            while chunk := response.read(1 << 20):
                got += len(chunk)
                if got > remote.size:
                    raise DataError(
                        f"{remote.url} sent more than the {remote.size:,} bytes expected "
                        f"for {dest}; nothing was kept. The file at the origin has changed: "
                        f"download it by hand, check it, and put it in a mirror."
                    )
                sha.update(chunk)
                out.write(chunk)
                bar.update(len(chunk))
    except urllib.error.HTTPError as error:
        raise DataError(
            f"Could not download {remote.url} for {dest}: HTTP {error.code} {error.reason}. "
            f"Check the URL and your connection. {offline}"
        ) from None
    except (OSError, http.client.HTTPException) as error:
        raise DataError(
            f"Downloading {remote.url} to {dest} failed after {got:,} of {remote.size:,} "
            f"bytes ({error}); nothing was kept. Check your connection and load again. "
            f"{offline}"
        ) from None
    if got != remote.size:
        raise DataError(
            f"The download of {remote.url} to {dest} stopped after {got:,} of "
            f"{remote.size:,} bytes (the connection dropped); nothing was kept. "
            f"Load again to retry. {offline}"
        )
    if remote.sha256 and sha.hexdigest() != remote.sha256:
        raise DataError(
            f"The download of {remote.url} to {dest} has sha256 {sha.hexdigest()}, expected "
            f"{remote.sha256}; it was deleted and nothing was kept. Load again to "
            f"re-download it; if it happens again the file at the origin has changed."
        )


# --- extracting ----------------------------------------------------------------------------


def _extract(archive: Path, remote: Remote, dest: Path) -> None:
    """Extract ``archive`` safely into a temporary folder, check it, rename it to ``dest``."""
    for stale in dest.parent.glob(f".{dest.name}.*.tmp"):
        shutil.rmtree(stale, ignore_errors=True)  # left by a process killed mid-extraction
    temp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp"))
    try:
        _unpack(archive, temp)
        extracted = temp / remote.extracts_to
        if not extracted.is_dir():
            raise DataError(
                f"{archive} does not hold the folder {remote.extracts_to}/ that the official "
                f"archive extracts to. {_fix(archive)}"
            )
        if remote.tree_sha256 and (tree := tree_sha256(extracted))[0] != remote.tree_sha256:
            raise DataError(
                f"{archive} is not the official archive: the files it extracts to have the "
                f"tree hash {tree[0]}, expected {remote.tree_sha256} ({tree[1]:,} files). "
                f"{_fix(archive)}"
            )
        os.replace(extracted, dest)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def _unpack(archive: Path, into: Path) -> None:
    """Extract a .zip or .tar(.gz) member by member: plain files and folders only."""
    try:
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    kind = ("link" if stat.S_ISLNK(info.external_attr >> 16)
                            else "folder" if info.is_dir() else "file")
                    _unpack_member(archive, into, info.filename, kind, lambda: zf.open(info))
        else:
            with tarfile.open(archive, "r:*") as tar:
                for member in tar:
                    kind = ("folder" if member.isdir() else "file" if member.isfile()
                            else "link" if member.issym() or member.islnk() else "device or fifo")
                    _unpack_member(archive, into, member.name, kind,
                                   lambda: tar.extractfile(member))
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error,
            gzip.BadGzipFile) as error:
        raise DataError(
            f"{archive} is not a complete, readable archive ({error}). {_fix(archive)}"
        ) from None


def _unpack_member(archive: Path, into: Path, name: str, kind: str, open_member) -> None:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if not parts:
        return  # the archive's own root, "./"
    if parts[0] == "/" or ".." in parts or ":" in parts[0]:
        raise DataError(
            f"{archive} holds the member {name!r}, whose path would land outside {into} "
            f"(absolute, a drive, or '..'): refusing to extract it. The official archive "
            f"has no such member: it is not the official file. {_fix(archive)}"
        )
    if kind not in ("file", "folder"):
        raise DataError(
            f"{archive} holds the member {name!r}, a {kind}: only plain files and folders "
            f"are extracted, so that nothing lands outside {into}. The official archive "
            f"has none: it is not the official file. {_fix(archive)}"
        )
    target = into.joinpath(*parts)
    if kind == "folder":
        target.mkdir(parents=True, exist_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with open_member() as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)


# --- subsets -------------------------------------------------------------------------------


def _split(dataset: str, split: profiles.Split | None) -> tuple[profiles.Split, str]:
    """The sizes asked for, and who asked (for error messages)."""
    if split is None:
        profile = profiles.active()
        return profile.data[dataset], f"run profile {profile.name!r}"
    return split, f"split={split}"


def balanced_subset(labels: np.ndarray, n: int | None, seed: int = 0) -> np.ndarray:
    """Sorted indices of ``n`` examples (None: all), as equal per class as counts allow.

    Deterministic: the same labels, ``n`` and ``seed`` give the same indices. Classes too
    small for an equal share give all they have and the others make up the rest; a
    remainder goes to the larger classes first.
    """
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


def _take(n: int | None, labels: np.ndarray, seed: int, who: str, what: str,
          source: Path) -> np.ndarray:
    if n is not None and n > len(labels):
        raise DataError(
            f"The {who} asks for {n:,} {what}, but {source} holds {len(labels):,}. Ask for "
            f"fewer (COURSEKIT_PROFILE=smoke or quick, or a smaller split)."
        )
    return balanced_subset(labels, n, seed)


# --- MNIST ---------------------------------------------------------------------------------


def _read_idx(path: Path, ndim: int) -> np.ndarray:
    """An IDX file of unsigned bytes (magic 0x0000080<ndim>), gzipped, as an array."""
    try:
        with gzip.open(path) as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(f"{path} is not a complete gzip file ({error}). {_fix(path)}") from None
    magic = int.from_bytes(raw[:4], "big")
    if len(raw) < 4 + 4 * ndim or magic != 0x800 | ndim:
        raise DataError(
            f"{path} starts with the magic number {magic:#010x}, expected {0x800 | ndim:#010x} "
            f"(IDX, unsigned bytes, {ndim} dimension{'s' * (ndim > 1)}): it is not an MNIST "
            f"{'image' if ndim == 3 else 'label'} file. {_fix(path)}"
        )
    dims = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim)
    if data.size != np.prod(dims):
        raise DataError(
            f"{path}: its header announces shape {dims} ({int(np.prod(dims)):,} bytes of "
            f"data) but it holds {data.size:,} bytes. {_fix(path)}"
        )
    return data.reshape(dims)


def _read_mnist(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    x, y = _read_idx(images_path, 3), _read_idx(labels_path, 1)
    if x.shape[1:] != (28, 28):
        raise DataError(f"{images_path} holds images of shape {x.shape[1:]}, expected "
                        f"(28, 28). {_fix(images_path)}")
    if len(x) != len(y) or (len(y) and y.max() > 9):
        raise DataError(f"{labels_path} holds {len(y):,} labels (max {y.max(initial=0)}) for "
                        f"{len(x):,} images in {images_path}; expected one label 0-9 per "
                        f"image. {_fix(labels_path)}")
    return x, y


def load_mnist(split: profiles.Split | None = None, seed: int = 0):
    """Load MNIST from the four official IDX files.

    =================  ====================================
    Classes            10 (digits 0-9)
    Samples total      70,000 (60,000 train, 10,000 test)
    Dimensionality     28 x 28, grayscale
    Features           integers 0-255
    =================  ====================================

    ``split`` (default: the run profile's ``data["mnist"]``) sets how many training and
    test images to take (None: all); a smaller number gives a class-balanced subset,
    the same for the same ``seed``, in the files' order.

    Returns ``(x_train, y_train), (x_test, y_test)``: images uint8 ``(N, 28, 28)``,
    labels uint8 ``(N,)``.
    """
    split, who = _split("mnist", split)
    path = {remote.name: fetch(remote) for remote in REGISTRY["mnist"]}
    out = []
    for prefix, n in (("train", split.train), ("t10k", split.test)):
        images_path = path[f"{prefix}-images-idx3-ubyte.gz"]
        x, y = _read_mnist(images_path, path[f"{prefix}-labels-idx1-ubyte.gz"])
        what = f"MNIST {'training' if prefix == 'train' else 'test'} images"
        keep = _take(n, y, seed, who, what, images_path)
        out.append((x[keep], y[keep]))
    return tuple(out)


# --- CIFAR-10 ------------------------------------------------------------------------------


def _unpickle(path: Path, remote: Remote) -> dict:
    """A CIFAR-10 batch file, checked against its checksum before it is unpickled."""
    if not path.is_file():
        raise DataError(f"{path} is missing: the official {remote.extracts_to}/ holds it. "
                        f"{_fix(path.parent)}")
    _check(path, None, remote.members[path.name])
    with open(path, "rb") as f:
        try:
            return pickle.load(f, encoding="bytes")
        except Exception as error:  # anything a damaged pickle raises
            raise DataError(f"{path} is not a CIFAR-10 python batch ({error}). "
                            f"{_fix(path)}") from None


def _cifar_batch(path: Path, remote: Remote) -> tuple[np.ndarray, np.ndarray]:
    batch = _unpickle(path, remote)
    data, labels = batch.get(b"data"), np.asarray(batch.get(b"labels", []))
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 2
            and data.shape[1] == 3 * 32 * 32 and len(labels) == len(data)):
        raise DataError(f"{path} does not hold uint8 data (N, 3072) with N labels. {_fix(path)}")
    # Rows are 1024 red, 1024 green, 1024 blue values: to (N, 32, 32, 3), channels last.
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels.astype(np.uint8)


def load_cifar10(split: profiles.Split | None = None, seed: int = 0):
    """Load CIFAR-10 from the official python version (``cifar-10-batches-py``).

    =================  ====================================
    Classes            10
    Samples total      60,000 (50,000 train, 10,000 test)
    Dimensionality     32 x 32 x 3, RGB
    Features           integers 0-255
    =================  ====================================

    ``split`` (default: the run profile's ``data["cifar10"]``) sets how many training and
    test images to take (None: all). The training images come from the fewest leading
    batches that hold that many (``data_batch_1`` first), so a subset is the same
    whether it comes from the partial course mirror or the full download; a smaller
    number gives a class-balanced subset, the same for the same ``seed``.

    Returns ``(x_train, y_train), (x_test, y_test), class_names``: images uint8
    ``(N, 32, 32, 3)``, labels uint8 ``(N,)`` (not Keras' ``(N, 1)``), and the ten class
    names from ``batches.meta``.
    """
    split, who = _split("cifar10", split)
    (remote,) = REGISTRY["cifar10"]
    folder = fetch_extracted(remote)
    names = [name.decode() for name in _unpickle(folder / "batches.meta", remote)[b"label_names"]]
    xs, ys = [], []
    for i in range(1, 6):
        held = sum(map(len, ys))
        if split.train is not None and held >= split.train:
            break
        path = folder / f"data_batch_{i}"
        if not path.is_file():
            asked = "all 50,000" if split.train is None else f"{split.train:,}"
            fix = _fix(folder)
            if mirror_dir() is not None and folder.is_relative_to(mirror_dir()):
                fix = (f"Use COURSEKIT_PROFILE=quick or smoke (they fit the course "
                       f"mirror's 20,000), or unset {DATA_ENV} to download the full archive "
                       f"({remote.url}, {remote.size / 1e6:.0f} MB) into the cache.")
            raise DataError(
                f"{path} is missing: the {who} asks for {asked} CIFAR-10 training images, "
                f"but the folder {folder} holds only {held:,} (data_batch_1 to "
                f"data_batch_{i - 1}). {fix}"
            )
        x, y = _cifar_batch(path, remote)
        xs.append(x), ys.append(y)
    x_train, y_train = np.concatenate(xs), np.concatenate(ys)
    x_test, y_test = _cifar_batch(folder / "test_batch", remote)
    train = _take(split.train, y_train, seed, who, "CIFAR-10 training images", folder)
    test = _take(split.test, y_test, seed, who, "CIFAR-10 test images", folder / "test_batch")
    return (x_train[train], y_train[train]), (x_test[test], y_test[test]), names


# --- cats vs dogs --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ImageFolder:
    """The JPEGs of ``root/{train,validation}/<class>/``: paths and labels.

    Labels are uint8 ``(N,)`` indices into ``class_names`` (the class folders' names,
    sorted: cats 0, dogs 1); paths are ``str`` in sorted order. ``skipped`` lists the
    files left out because they cannot be decoded.
    """

    root: Path
    class_names: tuple[str, ...]
    train_paths: tuple[str, ...]
    train_labels: np.ndarray
    validation_paths: tuple[str, ...]
    validation_labels: np.ndarray
    skipped: tuple[images.ImageProblem, ...] = ()


def load_image_folder(root: str | Path, on_bad: str = "skip") -> ImageFolder:
    """Paths and labels of ``root/{train,validation}/<class>/*``, every file scanned.

    Files that ``tf.io.decode_jpeg`` cannot decode (see ``coursekit.images``) are left
    out with a warning that lists them (``on_bad="skip"``) or refused with a
    ``DataError`` (``on_bad="raise"``).
    """
    if on_bad not in ("skip", "raise"):
        raise ValueError(f"on_bad must be 'skip' or 'raise', not {on_bad!r}")
    root, classes, listing = Path(root), None, {}
    for part in ("train", "validation"):
        folder = root / part
        if not folder.is_dir():
            raise DataError(f"{folder} is missing: an image folder needs train/ and "
                            f"validation/, each with one sub-folder per class.")
        names = sorted(p.name for p in folder.iterdir() if p.is_dir())
        if len(names) < 2 or (classes is not None and names != classes):
            raise DataError(f"{folder} has the class folders {names}; expected two or more, "
                            f"the same in train/ and validation/.")
        classes, listing[part] = names, []
        for label, name in enumerate(names):
            files = sorted(p for p in (folder / name).iterdir() if p.is_file())
            if not files:
                raise DataError(f"The class folder {folder / name} is empty: put the "
                                f"{name} images there, or remove the folder.")
            listing[part] += [(str(p), label) for p in files]
    report = images.scan_images([p for part in listing.values() for p, _ in part])
    if report.bad:
        lines = "\n".join(f"  {problem}" for problem in report.bad)
        if on_bad == "raise":
            raise DataError(f"{root}: {len(report.bad)} of {report.files:,} files cannot be "
                            f"decoded as JPEGs:\n{lines}\nDelete or replace them, or pass "
                            f"on_bad='skip' to leave them out.")
        warnings.warn(f"{root}: skipping {len(report.bad)} of {report.files:,} files that "
                      f"cannot be decoded as JPEGs:\n{lines}", stacklevel=2)
    bad = {problem.path for problem in report.bad}
    kept = {part: [(p, y) for p, y in files if p not in bad] for part, files in listing.items()}
    return ImageFolder(
        root=root,
        class_names=tuple(classes),
        train_paths=tuple(p for p, _ in kept["train"]),
        train_labels=np.array([y for _, y in kept["train"]], np.uint8),
        validation_paths=tuple(p for p, _ in kept["validation"]),
        validation_labels=np.array([y for _, y in kept["validation"]], np.uint8),
        skipped=report.bad,
    )


def load_cats_vs_dogs(split: profiles.Split | None = None, seed: int = 0,
                      on_bad: str = "skip", verify: bool = True) -> ImageFolder:
    """Load the cats-vs-dogs JPEGs (Google's ``cats_and_dogs_filtered``) as paths and labels.

    =================  ==========================================
    Classes            2 (cats 0, dogs 1)
    Samples total      3,000 (2,000 train, 1,000 validation)
    Dimensionality     JPEGs of varying size, RGB
    Features           file paths; decode with tf.io.decode_jpeg
    =================  ==========================================

    ``split`` (default: the run profile's ``data["cats_vs_dogs"]``) sets how many
    training and validation images to take (``split.test`` is the validation set); a
    smaller number gives a class-balanced subset, the same for the same ``seed``. With
    ``verify`` the folder must match the official tree hash; pass ``verify=False`` to
    load a copy you changed (e.g. with bad files planted), which ``on_bad`` then handles
    (see ``load_image_folder``).

    Returns an ``ImageFolder``: ``root``, ``class_names``, ``train_paths`` /
    ``validation_paths`` (tuples of str), ``train_labels`` / ``validation_labels``
    (uint8 ``(N,)``), ``skipped``.
    """
    split, who = _split("cats_vs_dogs", split)
    (remote,) = REGISTRY["cats_vs_dogs"]
    full = load_image_folder(fetch_extracted(remote, verify=verify), on_bad=on_bad)
    train = _take(split.train, full.train_labels, seed, who, "cats-vs-dogs training images",
                  full.root / "train")
    val = _take(split.test, full.validation_labels, seed, who,
                "cats-vs-dogs validation images", full.root / "validation")
    return ImageFolder(
        root=full.root,
        class_names=full.class_names,
        train_paths=tuple(full.train_paths[i] for i in train),
        train_labels=full.train_labels[train],
        validation_paths=tuple(full.validation_paths[i] for i in val),
        validation_labels=full.validation_labels[val],
        skipped=full.skipped,
    )
