"""coursekit.pipelines' JPEG pipeline, the pass timer, and a folder with bad files planted."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from _fixtures import PLANTED, cats_files, jpeg, plant_bad_files, write_tree

from coursekit import images, pipelines


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """``train/{cats,dogs}`` (6 each) and ``validation/{cats,dogs}`` (4 each), 16×16."""
    return write_tree(tmp_path_factory.mktemp("cats"), cats_files())


def listing(root, part="train"):
    paths = sorted(str(p) for p in (root / part).glob("*/*.jpg"))
    return paths, np.array([0 if "/cats/" in p else 1 for p in paths])


def test_load_image_is_rgb_resized_and_scaled(tmp_path):
    for mode in ("RGB", "L", "CMYK"):
        path = tmp_path / f"{mode}.jpg"
        path.write_bytes(jpeg(3, mode, size=20))
        image = pipelines.load_image(str(path), 8)
        assert image.shape == (8, 8, 3) and image.dtype == tf.float32, mode
        assert 0.0 <= float(tf.reduce_min(image)) and float(tf.reduce_max(image)) <= 1.0


def test_image_dataset_in_order_is_load_image_batched(folder):
    paths, labels = listing(folder)
    batches = list(pipelines.image_dataset(paths, labels, 8, 5, shuffle=False))
    assert [int(x.shape[0]) for x, _ in batches] == [5, 5, 2]
    x, y = batches[0]
    assert x.shape == (5, 8, 8, 3) and x.dtype == tf.float32 and y.dtype == tf.float32
    np.testing.assert_allclose(x[3], pipelines.load_image(paths[3], 8), atol=1e-6)
    assert np.concatenate([y for _, y in batches]).tolist() == labels.tolist()


def test_image_dataset_shuffles_every_epoch_and_repeats_under_a_seed(folder):
    paths, labels = listing(folder)
    ids = np.arange(len(paths))  # labels that say which file each image came from

    def epochs(ds, n=3):
        return [np.concatenate([y for _, y in ds]).astype(int).tolist() for _ in range(n)]

    first = epochs(pipelines.image_dataset(paths, ids, 4, 4, seed=7))
    assert all(sorted(e) == ids.tolist() for e in first)  # each epoch: every image once
    assert len({tuple(e) for e in first}) > 1  # a new order each epoch
    assert epochs(pipelines.image_dataset(paths, ids, 4, 4, seed=7)) == first  # same seed
    with pytest.raises(ValueError, match="12 paths but 3 labels"):
        pipelines.image_dataset(paths, labels[:3], 8, 4)
    with pytest.raises(ValueError, match="no image paths"):
        pipelines.image_dataset([], [], 8, 4)


def test_time_pass_counts_images(folder):
    paths, labels = listing(folder)
    seconds, n = pipelines.time_pass(pipelines.image_dataset(paths, labels, 8, 5))
    assert n == len(paths) and seconds > 0
    raw = tf.data.Dataset.from_tensor_slices(paths).map(tf.io.read_file)
    assert pipelines.time_pass(raw)[1] == len(paths)
    endless = pipelines.image_dataset(paths, labels, 8, 4).repeat()
    assert pipelines.time_pass(endless, steps=5)[1] == 20


def test_planted_bad_files_stop_the_pipeline_until_left_out(folder, tmp_path):
    broken = write_tree(tmp_path / "broken", cats_files())
    plant_bad_files(broken)
    report = images.scan_images(broken)
    assert {p.path[len(str(broken)) + 1:]: p.problem for p in report.problems} == PLANTED
    assert len(report.bad) == 3 and len(report.converted) == 2
    paths, labels = listing(broken)
    with pytest.raises(tf.errors.InvalidArgumentError):  # the truncated and the PNG file
        pipelines.time_pass(pipelines.image_dataset(paths, labels, 8, 4, shuffle=False))
    with pytest.warns(UserWarning, match="skipping 2 of 15 files"):
        train = images.image_folder(broken / "train")
    assert pipelines.time_pass(pipelines.image_dataset(train.paths, train.labels, 8, 4))[1] == 13
