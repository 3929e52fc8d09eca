"""The collector's tuning (server/collector.py): start-up's objects frozen, young passes rarer."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from server.collector import OLDER_PASSES, tune_collector
from server.settings import Settings
from tests.support import LiveServer


@pytest.fixture
def collector_restored() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_tuning_freezes_what_exists_and_spaces_the_young_passes(collector_restored: None) -> None:
    gc.unfreeze()
    tune_collector(Settings().gc_young_objects)
    assert gc.get_freeze_count() > 1000  # the modules, classes and functions loaded so far
    assert gc.get_threshold() == (50_000, OLDER_PASSES, OLDER_PASSES)
    # A cycle made afterwards is still the collector's: nothing new is frozen.
    frozen = gc.get_freeze_count()
    cycle: list[object] = []
    cycle.append(cycle)
    assert gc.get_freeze_count() == frozen
    del cycle
    assert gc.collect() >= 1


def test_zero_leaves_pythons_collector_alone(collector_restored: None) -> None:
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    tune_collector(0)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == (700, 10, 10)


def test_the_server_tunes_the_collector_when_it_starts(collector_restored: None) -> None:
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    live = LiveServer.start(gc_young_objects=12_345)
    try:
        assert gc.get_threshold() == (12_345, OLDER_PASSES, OLDER_PASSES)
        assert gc.get_freeze_count() > 0
    finally:
        live.stop()
