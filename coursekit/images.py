"""Check JPEGs before a ``tf.data`` pipeline decodes them (no TensorFlow here): ``scan_images``
finds what ``tf.io.decode_jpeg(raw, channels=3)`` cannot decode to RGB (``empty``, ``not a
JPEG``, ``truncated``, ``corrupt``; grayscale and CMYK JPEGs are kept, converted), decoding
with Pillow at 1/8 scale (the same libjpeg-turbo as TF: the tests check that they agree).
A PNG named ``.jpg`` counts as bad although TF decodes it; a JPEG cut short that still ends
with an end marker decodes (partly grey) in both, so it passes."""

import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

NEEDS_CONVERSION = ("grayscale", "CMYK", "other colour mode")
_MAGIC = {b"\x89PNG\r\n\x1a\n": "PNG data", b"GIF87a": "GIF data", b"GIF89a": "GIF data",
          b"BM": "BMP data", b"RIFF": "RIFF (WebP?) data"}


@dataclass(frozen=True)
class ImageProblem:
    """One file the pipeline would decode wrongly or not at all."""

    path: str
    problem: str  # "empty", "not a JPEG", "truncated", "corrupt" or one of NEEDS_CONVERSION
    detail: str

    @property
    def decodable(self) -> bool:  # tf.io.decode_jpeg(channels=3) gives a correct RGB image
        return self.problem in NEEDS_CONVERSION

    def __str__(self) -> str:
        return f"{self.path}: {self.problem} ({self.detail})"


@dataclass(frozen=True)
class ScanReport:
    """What ``scan_images`` found: the number of files and the problems, by file."""

    files: int
    problems: tuple[ImageProblem, ...]

    @property
    def bad(self) -> tuple[ImageProblem, ...]:  # undecodable: drop or replace them
        return tuple(p for p in self.problems if not p.decodable)

    @property
    def converted(self) -> tuple[ImageProblem, ...]:  # decode after conversion to RGB
        return tuple(p for p in self.problems if p.decodable)

    @property
    def ok(self) -> bool:  # every file decodes
        return not self.bad

    def summary(self) -> str:
        """One line: how many files, how many bad and converted, by problem."""
        parts = []
        for problems, what in ((self.bad, "undecodable"),
                               (self.converted, "need conversion to RGB")):
            kinds = sorted(Counter(p.problem for p in problems).items())
            parts.append(f"{len(problems)} {what}" + (
                f" ({', '.join(f'{n} {kind}' for kind, n in kinds)})" if kinds else ""))
        return f"{self.files:,} files: " + ", ".join(parts)

    def __str__(self) -> str:
        return "\n".join([self.summary(), *(f"  {p}" for p in self.problems)])


def check_image(path: str | Path) -> ImageProblem | None:
    """The problem with one image file, or None when it is a good RGB JPEG."""
    path = str(path)
    with open(path, "rb") as f:
        head = f.read(64)
    if not head:
        return ImageProblem(path, "empty", "0 bytes")
    if not head.startswith(b"\xff\xd8\xff"):
        printable = all(32 <= b < 127 or b in b"\t\r\n" for b in head)
        kind = next((v for k, v in _MAGIC.items() if head.startswith(k)),
                    "text" if printable else f"unknown bytes {head[:4].hex()}")
        return ImageProblem(path, "not a JPEG", kind)
    try:
        with Image.open(path) as image:
            mode = image.mode
            image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
            image.load()
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as error:
        message = str(error) or type(error).__name__
        return ImageProblem(path, "truncated" if "truncated" in message.lower() else "corrupt",
                            message)
    kinds = {"RGB": None, "L": ("grayscale", "1 channel"), "CMYK": ("CMYK", "4 channels")}
    kind = kinds.get(mode, ("other colour mode", f"Pillow mode {mode}"))
    return kind and ImageProblem(path, *kind)


def scan_images(paths_or_folder: str | Path | Iterable[str | Path]) -> ScanReport:
    """Check every file (a folder: recursively), ~0.4 ms each, and report the problems."""
    if isinstance(paths_or_folder, (str, Path)):
        root = Path(paths_or_folder)
        paths = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
    else:
        paths = [Path(p) for p in paths_or_folder]
    return ScanReport(len(paths), tuple(p for p in map(check_image, paths) if p is not None))


@dataclass(frozen=True, eq=False)
class ImageFolder:
    """``folder/<class>/*``: sorted paths, uint8 labels ``(N,)`` into ``class_names``."""

    folder: Path
    class_names: tuple[str, ...]
    paths: tuple[str, ...]
    labels: np.ndarray
    skipped: tuple[ImageProblem, ...] = ()  # the undecodable files left out


def image_folder(folder: str | Path, on_bad: str = "skip") -> ImageFolder:
    """``folder/<class>/*`` (two or more classes), scanned: undecodable files are left out
    with a warning (``on_bad="skip"``) or refused with a ``ValueError`` (``"raise"``)."""
    if on_bad not in ("skip", "raise"):
        raise ValueError(f"on_bad must be 'skip' or 'raise', not {on_bad!r}")
    folder = Path(folder)
    names = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    if len(names) < 2:
        raise ValueError(f"{folder} has the class folders {names}; expected a folder with "
                         f"one sub-folder of images per class, two or more.")
    listing = []
    for label, name in enumerate(names):
        files = sorted(str(p) for p in (folder / name).iterdir() if p.is_file())
        if not files:
            raise ValueError(f"The class folder {folder / name} is empty: put the {name} "
                             f"images there, or remove it.")
        listing += [(path, label) for path in files]
    report = scan_images([path for path, _ in listing])
    if report.bad:
        lines = "\n".join(f"  {problem}" for problem in report.bad)
        if on_bad == "raise":
            raise ValueError(f"{folder}: {len(report.bad)} of {report.files:,} files cannot be "
                             f"decoded (delete or replace them, or pass on_bad='skip'):\n{lines}")
        warnings.warn(f"{folder}: skipping {len(report.bad)} of {report.files:,} files that "
                      f"cannot be decoded:\n{lines}", stacklevel=2)
    bad = {problem.path for problem in report.bad}
    kept = [(path, label) for path, label in listing if path not in bad]
    return ImageFolder(folder, tuple(names), tuple(p for p, _ in kept),
                       np.array([label for _, label in kept], np.uint8), report.bad)


def load_photo(path: str | Path, image_size: int) -> np.ndarray:
    """A reader's own photo as a model of chapter 4 expects it: RGB float32
    ``(image_size, image_size, 3)`` in [0, 1], bilinear resize, aspect ratio not kept (as
    ``pipelines.load_image``, up to resampling). Grayscale and palette images become RGB;
    transparent pixels (a PNG's alpha) are laid over white. A missing file or one that is
    not an image raises a ``FileNotFoundError`` or ``ValueError`` that says how to fix it."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"{path} is not a file. Check the path (the current folder is "
                                f"{Path.cwd()}), or give the full path of a JPEG or PNG photo.")
    try:
        with Image.open(path) as image:
            image.load()
            if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
                rgba = image.convert("RGBA")
                image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
            rgb = image.convert("RGB").resize((image_size, image_size), Image.BILINEAR)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ValueError(f"{path} is not an image Pillow can read ({error}). Give a JPEG or "
                         f"PNG photo; convert other files with an image editor first.") from None
    return np.asarray(rgb, np.float32) / 255.0
