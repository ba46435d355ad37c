"""The collector's tuning (offline_preview.collector): set for the run, undone after it; paused while a program runs."""

import gc

from offline_preview import collector


def test_the_run_raises_the_thresholds_and_puts_them_back():
    before = gc.get_threshold()
    with collector.tuned():
        assert gc.get_threshold() == (50_000, 20, 100)
    assert gc.get_threshold() == before


def test_a_program_runs_without_automatic_collection_and_the_collector_comes_back():
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_paused_leaves_a_collector_that_was_off_off():
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
