import pytest

from coursekit import profiles


def test_each_profile_names_itself_and_sizes_every_data_set():
    names = {"mnist", "cifar10", "cats_vs_dogs"}
    for name, profile in profiles.PROFILES.items():
        assert profile.name == name
        # The three data sets, plus any subset a chapter adds (e.g. chapter 5's "cifar10_bn"),
        # the same keys in every profile.
        assert names <= set(profile.data) and set(profile.data) == set(profiles.PROFILES["smoke"].data)


def test_smoke_is_the_smallest():
    smoke, quick = profiles.PROFILES["smoke"], profiles.PROFILES["quick"]
    for key, split in smoke.data.items():
        assert split.train is not None and (quick.data[key].train is None or split.train < quick.data[key].train)


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
