"""coursekit.images' tf.data pipelines, the pass timer and the broken copy of a folder."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from _fixtures import cats_files, jpeg, write_tree
from coursekit import data, images


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
        image = images.load_image(str(path), 8)
        assert image.shape == (8, 8, 3) and image.dtype == tf.float32, mode
        assert 0.0 <= float(tf.reduce_min(image)) and float(tf.reduce_max(image)) <= 1.0


def test_image_dataset_in_order_is_load_image_batched(folder):
    paths, labels = listing(folder)
    ds = images.image_dataset(paths, labels, 8, 5, shuffle=False)
    batches = list(ds)
    assert [int(x.shape[0]) for x, _ in batches] == [5, 5, 2]
    x, y = batches[0]
    assert x.shape == (5, 8, 8, 3) and x.dtype == tf.float32 and y.dtype == tf.float32
    np.testing.assert_allclose(x[3], images.load_image(paths[3], 8), atol=1e-6)
    assert np.concatenate([y for _, y in batches]).tolist() == labels.tolist()


def test_image_dataset_shuffles_every_epoch_and_repeats_under_a_seed(folder):
    paths, labels = listing(folder)
    ids = np.arange(len(paths))  # labels that say which file each image came from

    def epochs(ds, n=3):
        return [np.concatenate([y for _, y in ds]).astype(int).tolist() for _ in range(n)]

    first = epochs(images.image_dataset(paths, ids, 4, 4, seed=7))
    assert all(sorted(e) == ids.tolist() for e in first)  # each epoch: every image once
    assert len({tuple(e) for e in first}) > 1  # a new order each epoch
    assert epochs(images.image_dataset(paths, ids, 4, 4, seed=7)) == first  # same seed, same orders
    with pytest.raises(ValueError, match="12 paths but 3 labels"):
        images.image_dataset(paths, labels[:3], 8, 4)
    with pytest.raises(ValueError, match="no image paths"):
        images.image_dataset([], [], 8, 4)


def test_seed_pipeline_is_endless_when_training_and_ordered_otherwise(folder):
    paths, labels = listing(folder)
    train = images.seed_pipeline(paths, labels, 8, batch_size=4)
    assert train.cardinality() == tf.data.INFINITE_CARDINALITY
    x, y = next(iter(train))
    assert x.shape == (4, 8, 8, 3) and y.shape == (4,)
    test = images.seed_pipeline(paths, labels, 8, batch_size=5, training=False)
    assert np.concatenate([y for _, y in test]).tolist() == labels.tolist()
    np.testing.assert_allclose(next(iter(test))[0][0], images.load_image(paths[0], 8), atol=1e-6)


def test_time_pass_counts_images(folder):
    paths, labels = listing(folder)
    seconds, n = images.time_pass(images.image_dataset(paths, labels, 8, 5))
    assert n == len(paths) and seconds > 0
    assert images.time_pass(tf.data.Dataset.from_tensor_slices(paths).map(tf.io.read_file))[1] == len(paths)
    assert images.time_pass(images.seed_pipeline(paths, labels, 8, 4), steps=5)[1] == 20


def test_broken_copy_plants_what_the_scan_reports(folder, tmp_path):
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    broken = images.broken_copy(folder, per_class=3, dest=tmp_path / "broken")
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before  # source untouched
    files = sorted(p for p in broken.rglob("*") if p.is_file())
    assert len(files) == 2 * 2 * 3 + len(images.PLANTED)
    report = images.scan_images(broken)
    assert {p.path.rsplit("/", 1)[1]: p.problem for p in report.problems} == {
        name: problem for name, (_, _, problem) in images.PLANTED.items()}
    assert len(report.bad) == 3 and len(report.converted) == 2
    # The seed's pipeline stops on the first undecodable file; the loader skips them.
    paths, labels = listing(broken, "validation")
    with pytest.raises(tf.errors.InvalidArgumentError):
        images.time_pass(images.seed_pipeline(paths, labels, 8, 2, training=False))
    with pytest.warns(UserWarning, match="skipping 3 of 17 files"):
        cleaned = data.load_image_folder(broken, on_bad="skip")
    kept = cleaned.train_paths + cleaned.validation_paths
    labels = np.concatenate([cleaned.train_labels, cleaned.validation_labels])
    assert images.time_pass(images.image_dataset(kept, labels, 8, 4))[1] == 14


def test_broken_copy_refuses_unsafe_destinations(folder, tmp_path):
    with pytest.raises(ValueError, match="inside"):
        images.broken_copy(folder, dest=folder / "train" / "broken")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("x")
    with pytest.raises(ValueError, match="not empty"):
        images.broken_copy(folder, dest=tmp_path / "full")
    default = images.broken_copy(folder, per_class=1)  # a new temporary folder
    try:
        assert default.is_dir() and not default.is_relative_to(folder)
        assert len(list(default.rglob("*.jpg"))) == 4 + len(images.PLANTED)
    finally:
        import shutil

        shutil.rmtree(default)
