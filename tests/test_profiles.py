import pytest

from coursekit import profiles


def test_each_profile_names_itself_and_sizes_every_data_set():
    for name, profile in profiles.PROFILES.items():
        assert profile.name == name
        sets = {"mnist", "cifar10", "cats_vs_dogs", "cifar10_bn", "cifar10_overfit"}
        assert sets == set(profile.data)
        assert set(profile.training) == set(profiles.RECIPES)
        assert set(profile.settings) == set(profiles.SETTINGS)


def test_every_table_has_one_value_per_profile_for_every_model():
    for table in (profiles.DATA, profiles.SETTINGS):
        assert all(len(row) == len(profiles.NAMES) for row in table.values())
    for epochs, min_accuracy in profiles.EPOCHS_MIN_ACCURACY.values():
        assert len(epochs) == len(min_accuracy) == len(profiles.NAMES)
    assert set(profiles.EPOCHS_MIN_ACCURACY) == set(profiles.RECIPES)


def test_a_recipe_takes_its_epochs_and_threshold_from_its_profile():
    quick = profiles.PROFILES["quick"].training["lenet5_modern"]
    assert (quick.epochs, quick.min_accuracy) == (12, 0.985)
    assert (quick.optimizer, quick.learning_rate, quick.batch_size) == ("adam", 0.002, 128)
    smoke = profiles.PROFILES["smoke"].training["cifar10_article001"]
    assert (smoke.epochs, smoke.min_accuracy, smoke.batch_size) == (2, 0.25, 64)


def test_smoke_is_the_smallest():
    smoke, quick = profiles.PROFILES["smoke"], profiles.PROFILES["quick"]
    for key, split in smoke.data.items():
        for n, m in zip(vars(split).values(), vars(quick.data[key]).values(), strict=True):
            assert m is None or (n is not None and n <= m), key


def test_validation_is_carved_from_the_training_data():
    quick = profiles.PROFILES["quick"].data
    assert quick["cifar10"].train + quick["cifar10"].validation == 20_000  # the offline mirror
    assert quick["mnist"] == profiles.Split(None, 5_000, None)


@pytest.mark.parametrize("mean, std, expected", [
    (0.9891, 0.0008, 0.985), (0.7, 0.0, 0.7), (0.985, 0.0, 0.985), (0.62, 0.01, 0.59),
    (0.2, 0.1, -0.1),
])
def test_threshold_is_mean_minus_three_std_rounded_down_to_half_a_percent(mean, std, expected):
    assert profiles.threshold(mean, std) == pytest.approx(expected)
    assert profiles.threshold(mean, std) <= mean - 3 * std + 1e-9


@pytest.mark.parametrize("name", ["smoke", "quick", "full", " Quick "])
def test_env_var_picks_the_profile(monkeypatch, name):
    monkeypatch.setenv(profiles.ENV_VAR, name)
    assert profiles.active().name == name.strip().lower()


def test_default_depends_on_gpu(monkeypatch):
    monkeypatch.delenv(profiles.ENV_VAR, raising=False)
    monkeypatch.setattr(profiles, "_has_gpu", lambda: True)
    assert profiles.active().name == "full"
    monkeypatch.setattr(profiles, "_has_gpu", lambda: False)
    assert profiles.active().name == "quick"


def test_unknown_profile_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(profiles.ENV_VAR, "fast")
    with pytest.raises(ValueError, match=r"'fast' is not a run profile.*smoke, quick, full"):
        profiles.active()
