"""How many examples a slow hypothesis property tries (one that asks the IAM solver, or loads a whole stack config,
catalog or lifecycle simulation, for each example).

`make test` loads hypothesis's "default" profile: such a property tries the few examples that keep the suite
within minutes on two cores. HYPOTHESIS_PROFILE=thorough (tests/conftest.py; CI's pull-request job sets it) tries
the count the property was written with. The examples differ from run to run, so both explore.
Other samples sized the same way: the revisions of the real history test_diff_history.py diffs against.
"""

from hypothesis import settings


def examples(default: int, thorough: int) -> int:
    return thorough if settings.get_current_profile_name() == "thorough" else default
