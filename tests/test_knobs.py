"""A training knob is one declaration, and every command that trains takes it (issue 27).

A copy of `TrainConfig` with one more knob field stands in for the real class where the
commands look it up; ``--the-new-knob`` then goes through the parsers of ``train``,
``seeds``, ``search`` and ``reproduce`` and must arrive in the `TrainConfig` that each
would train with (the configs are built from the arguments; nothing is trained). The same
for a new `TeacherConfig` knob through ``teacher``. A command that stops forwarding the
training knobs (a hand-written list of options, a config built from some of them) fails
here.
"""

import dataclasses

import pytest

from nengo_fashion import config as config_module
from nengo_fashion.cli import add_knobs, knob_values
from nengo_fashion.commands import reproduce as reproduce_command
from nengo_fashion.commands import search as search_command
from nengo_fashion.commands import seeds as seeds_command
from nengo_fashion.commands import teacher as teacher_command
from nengo_fashion.commands import train as train_command
from nengo_fashion.config import TrainConfig, knob
from nengo_fashion.errors import ConfigError
from nengo_fashion.knobs import field_types
from nengo_fashion.studies import reproduce, search, seeds
from nengo_fashion.teacher import TeacherConfig

TRAINING_COMMANDS = (train_command, seeds_command, search_command, reproduce_command)
"""The commands that train the 784-128-10 network: each takes every training knob."""

N_VAL = 5000


def with_knob(base, name, default, parse="float"):
    """A copy of the config class ``base`` with one more knob field, ``name``."""
    field = knob(default, "a knob declared once, in this test", parse=parse)
    return dataclasses.make_dataclass(
        base.__name__, [(name, float, field)], bases=(base,), frozen=True
    )


@pytest.fixture
def new_train_config(monkeypatch):
    """`TrainConfig` with ``the_new_knob`` (default 0.0), wherever the commands take it."""
    cls = with_knob(TrainConfig, "the_new_knob", 0.0)
    monkeypatch.setattr(config_module, "TrainConfig", cls)
    for command in TRAINING_COMMANDS:
        monkeypatch.setattr(command, "TrainConfig", cls)
    return cls


def _parse(command, argv):
    return command.config_from_args(command.make_parser().parse_args(argv))


def _check(configs, cls, value):
    configs = list(configs)
    assert configs
    for c in configs:
        assert type(c) is cls and c.the_new_knob == value, c


def test_a_new_knob_reaches_train(new_train_config):
    config = _parse(train_command, ["--the-new-knob", "0.25", "--epochs", "2"])
    _check([config], new_train_config, 0.25)
    assert config.epochs == 2
    _check([_parse(train_command, [])], new_train_config, 0.0)  # its default


def test_a_new_knob_reaches_seeds(new_train_config):
    config = _parse(seeds_command, ["--seeds", "3", "4", "--the-new-knob", "0.25"])
    assert isinstance(config, seeds.SeedsConfig)
    configs = config.train_configs(N_VAL)
    _check(configs.values(), new_train_config, 0.25)
    assert [c.seed for c in configs.values()] == [3, 4]
    assert {c.recipe for c in configs.values()} == {seeds.DEFAULT_RECIPE}


def test_a_new_knob_reaches_search(new_train_config):
    argv = ["--only", "thesis", "cosine-40", "--the-new-knob", "0.25", "--epochs-scale", "0.5"]
    config = _parse(search_command, argv)
    assert isinstance(config, search.SearchConfig)
    configs = config.train_configs(N_VAL)
    assert list(configs) == ["thesis", "cosine-40"]
    _check(configs.values(), new_train_config, 0.25)
    assert [c.epochs for c in configs.values()] == [5, 20]  # the candidates', scaled


def test_a_new_knob_reaches_reproduce(new_train_config):
    config = _parse(reproduce_command, ["--the-new-knob", "0.25", "--steps", "7"])
    assert isinstance(config, reproduce.ReproduceConfig)
    configs = config.train_configs(N_VAL)
    assert list(configs) == ["analog", "spiking"]
    _check(configs.values(), new_train_config, 0.25)
    assert configs["analog"].train_steps == 1 and configs["spiking"].train_steps == 7


def test_a_new_knob_reaches_teacher(monkeypatch):
    cls = with_knob(TeacherConfig, "the_new_teacher_knob", 1.0)
    monkeypatch.setattr(teacher_command, "TeacherConfig", cls)
    config = _parse(teacher_command, ["--the-new-teacher-knob", "0.5", "--width", "16"])
    assert type(config) is cls and config.the_new_teacher_knob == 0.5 and config.width == 16


def test_a_new_knob_is_typed_by_its_annotation(new_train_config):
    """No table to edit: the new field's type check comes from its annotation."""
    assert field_types(new_train_config)["the_new_knob"] == (float, False)
    with pytest.raises(ConfigError, match="the_new_knob must be a finite number"):
        new_train_config(the_new_knob="fast")
    with pytest.raises(ConfigError, match="the_new_knob must be a finite number"):
        new_train_config(the_new_knob=float("nan"))


def test_the_training_knobs_are_options_of_every_training_command():
    """Without the stand-in too: each `TrainConfig` knob is an option of each command that
    trains, but the few a study sets itself."""
    knobs = {f.name for f in dataclasses.fields(TrainConfig) if "cli" in f.metadata}
    fixed = {
        train_command: set(),
        seeds_command: set(seeds.FIXED),
        search_command: set(),
        reproduce_command: set(reproduce.FIXED) & knobs,
    }
    for command, excluded in fixed.items():
        dests = {a.dest for a in command.make_parser()._actions}
        assert knobs - excluded <= dests, (command.__name__, sorted(knobs - excluded - dests))
        assert not excluded & dests, command.__name__


def test_a_study_refuses_what_it_sets_itself():
    with pytest.raises(ConfigError, match="seed"):
        seeds.SeedsConfig(train={"seed": 3})
    with pytest.raises(ConfigError, match="neuron"):
        reproduce.ReproduceConfig(train={"neuron": "lif"})
    with pytest.raises(ConfigError, match="unknown training setting"):
        search.SearchConfig(train={"epoch": 3})


def test_the_teacher_options_are_its_config_fields():
    parser = teacher_command.make_parser()
    dests = {a.dest for a in parser._actions}
    knobs = {f.name for f in dataclasses.fields(TeacherConfig) if "cli" in f.metadata}
    assert knobs <= dests
    args = parser.parse_args(["--epochs", "3", "--augment", "flip"])
    assert knob_values(args, TeacherConfig, given=True) == {"epochs": 3, "augment": "flip"}


def test_add_knobs_excludes_and_reads_back():
    import argparse

    parser = argparse.ArgumentParser()
    add_knobs(parser, TrainConfig, exclude=("seed",))
    args = parser.parse_args(["--epochs", "2"])
    assert not hasattr(args, "seed")
    assert knob_values(args, TrainConfig, given=True) == {"epochs": 2}
