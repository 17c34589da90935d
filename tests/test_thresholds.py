"""The quick profile's accuracy thresholds follow from the measured seed spread by one rule.

A headline model's quick threshold is ``profiles.threshold(mean, std)`` of its test
accuracy over seeds, as ``bench/seed_spread.py`` recorded it in
``bench/results/seed_spread_quick.json``. A run without a spread (a secondary experiment)
asserts under quick what it asserts under smoke: that it learned, above chance.
"""

import json

import pytest

from coursekit import profiles, results

RECORD = results.BENCH_RESULTS / "seed_spread_quick.json"


def spreads() -> dict[str, tuple[float, float, int]]:
    lines = json.loads(RECORD.read_text())["results"]
    models = {k.removesuffix("_accuracy_mean") for k in lines if k.endswith("_accuracy_mean")}
    return {m: (lines[f"{m}_accuracy_mean"]["value"], lines[f"{m}_accuracy_std"]["value"],
                int(lines[f"{m}_accuracy_n"]["value"])) for m in models}


def test_every_headline_model_has_a_spread_over_at_least_three_seeds():
    measured = spreads()
    for model in ("lenet5_modern", "cifar10_cnn", "cats_vs_dogs_cnn", "cifar10_cnn_bn"):
        assert model in measured, f"{model}: run python bench/seed_spread.py --profile quick"
        assert measured[model][2] >= 3


@pytest.mark.parametrize("model", sorted(profiles.PROFILES["quick"].training))
def test_quick_threshold_follows_the_rule(model):
    quick = profiles.PROFILES["quick"].training[model].min_accuracy
    measured = spreads()
    if model in measured:
        mean, std, _ = measured[model]
        assert quick == profiles.threshold(mean, std), (
            f"{model}: quick threshold {quick} but the spread {mean:.4f} ± {std:.4f} gives "
            f"{profiles.threshold(mean, std)}")
    else:
        assert quick == profiles.PROFILES["smoke"].training[model].min_accuracy


def test_threshold_rule():
    assert profiles.threshold(0.9891, 0.0008) == 0.985
    assert profiles.threshold(0.75, 0.01) == 0.72
    assert profiles.threshold(0.7, 0.0) == 0.7
