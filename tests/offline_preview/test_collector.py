"""The collector's tuning (offline_preview.collector): set for the run, undone after it; paused while a program runs."""

import gc
import weakref

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


def test_a_programs_garbage_is_collected_as_it_ends_not_left_for_later():
    class Node:
        pass

    thresholds = gc.get_threshold()
    gc.set_threshold(10**9)  # no automatic collection in this test: only paused's own
    try:
        with collector.paused():
            node = Node()
            node.itself = node  # a reference cycle: garbage only a collection frees
            alive = weakref.ref(node)
            del node
            assert alive() is not None
        assert alive() is None
    finally:
        gc.set_threshold(*thresholds)
