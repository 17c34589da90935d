"""Check a folder of JPEGs before a ``tf.data`` pipeline decodes it, and build the pipelines.

Below the scan: ``load_image`` and ``image_dataset`` (the course's tuned pipeline from
paths and labels), ``seed_pipeline`` (seed article 004's, for comparison), ``time_pass``
(time one pass of a pipeline alone), ``array_dataset`` (images already in memory) and
``broken_copy`` (a copy of a folder with bad files planted, for chapter 4).

``scan_images`` opens every file and sorts out the ones that
``tf.io.decode_jpeg(raw, channels=3)`` cannot turn into a correct RGB image:

========================  ===========================  ==================================
problem                   what the file is             verdict
========================  ===========================  ==================================
``empty``                 0 bytes                      undecodable: drop it
``not a JPEG``            PNG, GIF, BMP, WebP or text  undecodable: drop it (see below)
                          renamed ``.jpg``
``truncated``             a JPEG cut short             undecodable: drop it
``corrupt``               a JPEG the decoder rejects   undecodable: drop it
``grayscale``             a 1-channel JPEG             needs conversion: kept,
``CMYK``                  a 4-channel (print) JPEG     ``decode_jpeg(channels=3)``
                                                       converts it to RGB
========================  ===========================  ==================================

Decisions:

- The decoder is Pillow's, asked to decode every file in full at 1/8 scale
  (``Image.draft``), which still reads every byte of the compressed data, so a cut-off
  file fails. Pillow and TensorFlow wrap the same libjpeg-turbo; ``tests/test_images.py``
  checks that they agree on every case above. Pillow is ~1.5x faster here than
  ``decode_jpeg(ratio=8)`` and does not need the 5 s TensorFlow import.
- A PNG (or GIF, BMP) renamed ``.jpg`` is dropped although TensorFlow's ``decode_jpeg``
  would decode it (all of TF's image decoders share one kernel that sniffs the format):
  a file whose bytes do not match its name is a mistake to fix, not a JPEG.
- What neither decoder can see is not caught: a JPEG cut short that still ends with an
  end-of-image marker decodes in both, its lower part grey (the tests show this too).
- Grayscale and CMYK JPEGs decode to correct RGB under ``decode_jpeg(channels=3)``
  (the tests check it), so they are reported but kept.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

UNDECODABLE = ("empty", "not a JPEG", "truncated", "corrupt")
NEEDS_CONVERSION = ("grayscale", "CMYK", "other colour mode")

_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "PNG data",
    b"GIF87a": "GIF data",
    b"GIF89a": "GIF data",
    b"BM": "BMP data",
    b"RIFF": "RIFF (WebP?) data",
}


@dataclass(frozen=True)
class ImageProblem:
    """One file the pipeline would decode wrongly or not at all."""

    path: str
    problem: str  # one of UNDECODABLE or NEEDS_CONVERSION
    detail: str

    @property
    def decodable(self) -> bool:
        """True when ``tf.io.decode_jpeg(channels=3)`` still gives a correct RGB image."""
        return self.problem in NEEDS_CONVERSION

    def __str__(self) -> str:
        return f"{self.path}: {self.problem} ({self.detail})"


@dataclass(frozen=True)
class ScanReport:
    """What ``scan_images`` found: the number of files and the problems, by file."""

    files: int
    problems: tuple[ImageProblem, ...]

    @property
    def bad(self) -> tuple[ImageProblem, ...]:
        """Files the pipeline cannot decode: drop or replace them."""
        return tuple(p for p in self.problems if not p.decodable)

    @property
    def converted(self) -> tuple[ImageProblem, ...]:
        """Files that decode, but only after conversion to RGB (grayscale, CMYK)."""
        return tuple(p for p in self.problems if p.decodable)

    @property
    def ok(self) -> bool:
        """True when every file decodes."""
        return not self.bad

    def summary(self) -> str:
        """One line: how many files, how many bad and converted, by problem."""

        def count(problems: tuple[ImageProblem, ...]) -> str:
            kinds = Counter(p.problem for p in problems)
            return ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))

        text = f"{self.files:,} files: {len(self.bad)} undecodable"
        if self.bad:
            text += f" ({count(self.bad)})"
        text += f", {len(self.converted)} need conversion to RGB"
        if self.converted:
            text += f" ({count(self.converted)})"
        return text

    def __str__(self) -> str:
        return "\n".join([self.summary(), *(f"  {p}" for p in self.problems)])


def check_image(path: str | Path) -> ImageProblem | None:
    """The problem with one image file, or None when it is a good RGB JPEG."""
    from PIL import Image

    path = str(path)
    with open(path, "rb") as f:
        head = f.read(64)
    if not head:
        return ImageProblem(path, "empty", "0 bytes")
    if not head.startswith(b"\xff\xd8\xff"):
        kind = next((v for k, v in _MAGIC.items() if head.startswith(k)), None)
        if kind is None:
            printable = all(32 <= b < 127 or b in b"\t\r\n" for b in head)
            kind = "text" if printable else f"unknown bytes {head[:4].hex()}"
        return ImageProblem(path, "not a JPEG", kind)
    try:
        with Image.open(path) as image:
            mode = image.mode
            image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
            image.load()
    except Exception as error:  # Pillow raises OSError, SyntaxError, ValueError, ...
        message = str(error) or type(error).__name__
        kind = "truncated" if "truncated" in message.lower() else "corrupt"
        return ImageProblem(path, kind, message)
    if mode == "RGB":
        return None
    if mode == "L":
        return ImageProblem(path, "grayscale", "1 channel")
    if mode == "CMYK":
        return ImageProblem(path, "CMYK", "4 channels")
    return ImageProblem(path, "other colour mode", f"Pillow mode {mode}")


def scan_images(paths_or_folder: str | Path | Iterable[str | Path]) -> ScanReport:
    """Check every image file (a folder is searched recursively) and report the problems.

    About 0.4 ms a file: the 3,000 cats-vs-dogs JPEGs take ~1.1 s on 2 CPU cores
    (threads do not help there).
    """
    if isinstance(paths_or_folder, (str, Path)) and Path(paths_or_folder).is_dir():
        paths = sorted(p for p in Path(paths_or_folder).rglob("*") if p.is_file())
    elif isinstance(paths_or_folder, (str, Path)):
        paths = [Path(paths_or_folder)]
    else:
        paths = [Path(p) for p in paths_or_folder]
    problems = tuple(p for p in map(check_image, paths) if p is not None)
    return ScanReport(files=len(paths), problems=problems)


# --- tf.data pipelines ------------------------------------------------------------------
#
# Two ways to turn (paths, labels) into batches of images: the course's tuned pipeline
# and seed article 004's, kept as written (but for its ``channel=`` typo) so that the
# chapter and ``bench/jpeg_pipeline.py`` can measure the difference.


def load_image(path, image_size: int):
    """Read one file, decode it as a 3-channel JPEG, resize it to ``image_size`` square
    (bilinear, aspect ratio not kept) and scale it to [0, 1]: float32 (size, size, 3).

    ``path`` is a string tensor (this runs inside ``Dataset.map``) or a str.
    """
    import tensorflow as tf

    raw = tf.io.read_file(path)
    image = tf.io.decode_jpeg(raw, channels=3)  # uint8 (H, W, 3); grayscale/CMYK -> RGB
    image = tf.image.resize(image, (image_size, image_size))  # float32, still 0..255
    return image / 255.0


def image_dataset(paths, labels, image_size: int, batch_size: int, *, shuffle: bool = True,
                  seed: int = 0, cache: bool = True):
    """The course's pipeline: a finite ``tf.data.Dataset`` of ``(images, labels)`` batches.

    read → decode (3 channels) → resize → scale (``load_image``, in parallel, order kept)
    → ``cache()`` (in memory: the files are decoded once, in the first epoch) →
    ``shuffle`` (a buffer of the whole set, seeded, reshuffled every epoch; after the
    cache, so every epoch gets a new order) → ``batch`` → ``prefetch`` (the next batches
    are prepared while the model trains on this one). Images are float32
    (B, size, size, 3) in [0, 1], labels float32 (B,). One pass is one epoch: no
    ``repeat``. Build a new one per ``fit``: a reused shuffled dataset continues its
    shuffle sequence. Check the files first (``scan_images``): an undecodable one stops
    the pipeline with ``InvalidArgumentError`` when it is reached.
    """
    import numpy as np
    import tensorflow as tf

    paths = [str(p) for p in paths]
    labels = np.asarray(labels, np.float32)
    if len(paths) != len(labels):
        raise ValueError(f"{len(paths)} paths but {len(labels)} labels")
    if not paths:
        raise ValueError("no image paths given")
    ds = tf.data.Dataset.from_tensor_slices((paths, labels))
    ds = ds.map(lambda p, y: (load_image(p, image_size), y),
                num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if cache:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(len(paths), seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def seed_pipeline(paths, labels, image_size: int = 256, batch_size: int = 32,
                  training: bool = True, shuffle_buffer: int | None = None):
    """Seed article 004's pipeline as written (``decode_jpeg(channel=3)`` fixed to
    ``channels=3``, which the seed's code needs to run at all).

    Images: ``from_tensor_slices(paths).map(load)`` with no ``num_parallel_calls`` (one
    file at a time), ``tf.cast`` and ``/ 255``, zipped with the labels. ``training``:
    ``repeat().shuffle(shuffle_buffer).batch(batch_size)`` with the seed's buffer of the
    whole set by default (an unseeded shuffle of decoded images, an endless dataset:
    take ``len(paths) // batch_size`` batches per epoch); otherwise ``batch`` only (its
    ``test_dataset``). No cache, no prefetch: every epoch decodes every file again.
    """
    import numpy as np
    import tensorflow as tf

    def load_preprocess_image(path):
        raw = tf.io.read_file(path)
        image = tf.io.decode_jpeg(raw, channels=3)
        image = tf.image.resize(image, [image_size, image_size])
        image = tf.cast(image, tf.float32)
        return image / 255

    image_ds = tf.data.Dataset.from_tensor_slices([str(p) for p in paths]).map(load_preprocess_image)
    label_ds = tf.data.Dataset.from_tensor_slices(np.asarray(labels, np.float32))
    ds = tf.data.Dataset.zip((image_ds, label_ds))
    if training:
        return ds.repeat().shuffle(buffer_size=shuffle_buffer or len(paths)).batch(batch_size)
    return ds.batch(batch_size)


def array_dataset(images, labels, batch_size: int, *, shuffle: bool = False, seed: int = 0,
                  augment=None, num_classes: int | None = None):
    """Images already in memory (uint8 ``(N, H, W, C)``, as ``load_cifar10`` returns them)
    as a finite ``tf.data.Dataset`` of ``(images, labels)`` batches.

    ``shuffle`` (a buffer of the whole set, seeded, reshuffled every epoch) → ``batch`` →
    scale to float32 [0, 1] (per batch: the set stays uint8 in memory, 4 times smaller)
    → ``augment(images, training=True)`` when given (e.g. ``models.augmentation()``: new
    random transformations for every batch of every epoch) → labels one-hot float32
    ``(B, num_classes)`` when ``num_classes`` is given (for losses such as
    ``CategoricalCrossentropy(label_smoothing=...)``), else as given → ``prefetch``. The
    map runs in parallel, order kept. One pass is one epoch: no ``repeat``. Build a new
    one per ``fit``: a reused shuffled dataset continues its shuffle sequence.
    """
    import numpy as np
    import tensorflow as tf

    images, labels = np.asarray(images), np.asarray(labels)
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")

    def prepare(x, y):
        x = tf.cast(x, tf.float32) / 255.0
        if augment is not None:
            x = augment(x, training=True)
        if num_classes:
            y = tf.one_hot(tf.cast(y, tf.int32), num_classes)
        return x, y

    ds = tf.data.Dataset.from_tensor_slices((images, labels))
    if shuffle:
        ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size).map(prepare, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.prefetch(tf.data.AUTOTUNE)


# --- a broken copy of an image folder, for the chapter's bad-files section -----------------

# What ``broken_copy`` plants, by file name: (part, class folder index, problem the scan
# reports). The names sort after the class's real files (``cat.999.jpg`` < ``cat.z...``),
# so an unshuffled pass meets them after the good ones, mid-epoch.
PLANTED = {
    "z-truncated.jpg": ("train", 0, "truncated"),
    "z-png-renamed.jpg": ("train", 1, "not a JPEG"),
    "z-grayscale.jpg": ("train", 1, "grayscale"),
    "z-download-error.jpg": ("validation", 0, "not a JPEG"),
    "z-cmyk.jpg": ("validation", 1, "CMYK"),
}


def broken_copy(root: str | Path, per_class: int = 10, dest: str | Path | None = None) -> Path:
    """A small copy of the image folder ``root/{train,validation}/<class>/`` with bad files
    planted among good ones; returns the copy's root.

    The first ``per_class`` files (sorted) of every class folder are copied, then five
    files are made from real images (see ``PLANTED``): a JPEG cut in half, a PNG renamed
    ``.jpg``, a text file named ``.jpg`` (the HTML error page a failed download saves), a
    grayscale and a CMYK JPEG. ``dest`` must be a new or empty folder outside ``root``;
    by default a new temporary folder (delete it with ``shutil.rmtree`` when done).
    The source folder is only read.
    """
    import io
    import shutil
    import tempfile

    from PIL import Image

    root = Path(root).resolve()
    if dest is None:
        dest = Path(tempfile.mkdtemp(prefix="coursekit-broken-"))
    dest = Path(dest).resolve()
    if dest == root or dest.is_relative_to(root):
        raise ValueError(f"{dest} is inside {root}: the broken copy must go elsewhere, "
                         f"the source folder is never changed.")
    if dest.exists() and any(dest.iterdir()):
        raise ValueError(f"{dest} is not empty: give a new or empty folder.")
    classes = {}
    for part in ("train", "validation"):
        classes[part] = sorted(p.name for p in (root / part).iterdir() if p.is_dir())
        for name in classes[part]:
            (dest / part / name).mkdir(parents=True, exist_ok=True)
            for src in sorted((root / part / name).iterdir())[:per_class]:
                shutil.copyfile(src, dest / part / name / src.name)
    donor = sorted((root / "train" / classes["train"][0]).iterdir())[0]
    raw = donor.read_bytes()
    with Image.open(donor) as image:
        rgb = image.convert("RGB")

    def encoded(image, fmt: str) -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
        return buffer.getvalue()

    payloads = {
        "z-truncated.jpg": raw[: len(raw) // 2],
        "z-png-renamed.jpg": encoded(rgb, "PNG"),
        "z-grayscale.jpg": encoded(rgb.convert("L"), "JPEG"),
        "z-download-error.jpg": b"<html><head><title>404 Not Found</title></head>\n"
                                b"<body><h1>Not Found</h1></body></html>\n",
        "z-cmyk.jpg": encoded(rgb.convert("CMYK"), "JPEG"),
    }
    for name, (part, index, _) in PLANTED.items():
        (dest / part / classes[part][index] / name).write_bytes(payloads[name])
    return dest


def time_pass(dataset, steps: int | None = None) -> tuple[float, int]:
    """Iterate over ``dataset`` once (or ``steps`` elements of it, for an endless one) and
    return ``(seconds, images)``: the wall-clock time and how many images came out.

    An element is a batch ``(images, labels)``, a single image, or raw bytes; each image
    counts once (the leading axis of a batch). Nothing else is done with the data, so
    this times the input pipeline alone: ``images / seconds`` is its throughput.
    """
    import time

    start, count = time.perf_counter(), 0
    for element in (dataset if steps is None else dataset.take(steps)):
        first = element[0] if isinstance(element, tuple) else element
        count += int(first.shape[0]) if first.shape.rank == 4 else 1
    return time.perf_counter() - start, count
