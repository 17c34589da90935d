"""The ``full`` profile sized for a free Colab GPU, on paper: every notebook's training,
estimated from its multiply-adds (``bench/gpu_estimate.py``), takes under 20 minutes on a
T4 in float32, as the notebooks run. Builds each model once to count; no training."""

import importlib
import json
import math
import sys
from pathlib import Path

import pytest

from coursekit import models
from coursekit.profiles import PROFILES

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
estimate = importlib.import_module("gpu_estimate")
NOTEBOOKS = sorted((ROOT / "book").glob("[0-9]*.ipynb"))
LIMIT_MINUTES = 20


@pytest.fixture(scope="module")
def full_work():
    return estimate.work(PROFILES["full"])


def test_every_notebook_is_estimated():
    assert sorted(estimate.RUNS) == [p.stem for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_estimate_uses_the_recipes_the_notebook_trains_with(path):
    source = path.read_text()
    missing = {key for key, _, _ in estimate.RUNS[path.stem] if key not in source}
    assert not missing, f"{path.name} no longer names {missing}: update estimate.RUNS"


@pytest.mark.parametrize("notebook", sorted(estimate.RUNS))
def test_full_trains_each_notebook_in_under_20_minutes_on_a_t4(full_work, notebook):
    flop, steps, fits = full_work[notebook]
    minutes = estimate.minutes(flop, steps, fits, "T4", "fp32")
    assert minutes < LIMIT_MINUTES, (
        f"{notebook}: about {minutes:.0f} min on a T4 under `full` ({flop / 1e15:.2f} PFLOP, "
        f"{steps:,} steps, {fits} fits); shrink its data or epochs in coursekit/profiles.py")


def test_work_of_one_fit_by_hand(monkeypatch):
    def build(profile):
        return models.lenet5_modern()

    monkeypatch.setattr(estimate, "RUNS", {"one": [("lenet5_modern", "mnist", build)]})
    recipe = PROFILES["full"].training["lenet5_modern"]
    forward = 2 * sum(models.multiply_adds(models.lenet5_modern()).values())
    # 55,000 training and 5,000 validation images per epoch, 10,000 test images once
    flop = forward * (recipe.epochs * (3 * 55_000 + 5_000) + 10_000)
    steps = recipe.epochs * math.ceil(55_000 / recipe.batch_size)
    assert estimate.work(PROFILES["full"]) == {"one": (flop, steps, 1)}


def test_minutes_and_the_stated_assumptions():
    peak, share = estimate.GPUS["T4"]["fp32"]
    assert estimate.minutes(peak * share * 60, 0, 0, "T4") == pytest.approx(1.0)
    assert estimate.minutes(0, 600, 3, "H100") == pytest.approx(
        (600 * estimate.STEP_SECONDS + 3 * estimate.FIT_SECONDS) / 60)
    for gpu in estimate.GPUS.values():  # the page states every share it assumes
        for _, share in gpu.values():
            assert f"{100 * share:g} %" in estimate.SECTION
    table = estimate.section()
    assert table[0].startswith("## `full` on a GPU: an estimate")
    assert len(table) == 3 + len(estimate.RUNS)


def test_the_bench_saves_each_notebooks_t4_minutes(full_work, tmp_path, capsys):
    saved = json.loads(estimate.main(tmp_path).read_text())["results"]
    assert "| notebook | fits | steps | PFLOP |" in capsys.readouterr().out
    assert saved == {f"{name}, T4 fp32": {"value": pytest.approx(
        estimate.minutes(*full_work[name], "T4")), "unit": "min"} for name in estimate.RUNS}
