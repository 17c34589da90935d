"""``images.load_photo``: a reader's own photo, as the chapter-4 models expect it."""

import numpy as np
import pytest
from PIL import Image

from coursekit.images import load_photo


def test_an_rgb_jpeg_is_resized_and_scaled(tmp_path):
    path = tmp_path / "cat.jpg"
    Image.new("RGB", (120, 80), (255, 0, 0)).save(path)
    photo = load_photo(path, 32)
    assert photo.shape == (32, 32, 3) and photo.dtype == np.float32
    assert photo[..., 0].min() > 0.95 and photo[..., 1:].max() < 0.05


def test_a_grayscale_image_becomes_rgb(tmp_path):
    path = tmp_path / "gray.png"
    Image.new("L", (40, 40), 128).save(path)
    photo = load_photo(path, 16)
    assert photo.shape == (16, 16, 3)
    np.testing.assert_allclose(photo, 128 / 255, atol=1e-6)


def test_a_transparent_png_is_laid_over_white(tmp_path):
    path = tmp_path / "alpha.png"
    Image.new("RGBA", (20, 20), (0, 0, 0, 0)).save(path)  # fully transparent black
    photo = load_photo(path, 8)
    assert photo.shape == (8, 8, 3)
    np.testing.assert_allclose(photo, 1.0)


def test_a_wrong_path_says_what_to_check(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no_such\.jpg is not a file\. Check the path"):
        load_photo(tmp_path / "no_such.jpg", 32)


def test_a_file_that_is_not_an_image_says_so(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("not a photo")
    with pytest.raises(ValueError, match=r"notes\.jpg is not an image Pillow can read.*JPEG"):
        load_photo(path, 32)
