"""Which evaluations as deployed are still alive: a weak reference to each one deployed_views makes."""

import weakref

from offline_preview import deployed_views


def record_evaluations(monkeypatch) -> list[weakref.ref]:
    """A weak reference to each evaluation deployed_views makes from now on (for the test), in order."""
    made: list[weakref.ref] = []
    evaluate = deployed_views.evaluate

    def recorded(*args, **kwargs):
        evaluation = evaluate(*args, **kwargs)
        made.append(weakref.ref(evaluation))
        return evaluation

    monkeypatch.setattr(deployed_views, "evaluate", recorded)
    return made


def alive(made: list[weakref.ref]) -> list[str]:
    """The keys of the recorded evaluations still alive."""
    return [evaluation().key for evaluation in made if evaluation() is not None]
