"""The hypothesis profile of the run: HYPOTHESIS_PROFILE=thorough (CI's pull-request job) or the default (`make test`).

The profile decides how many examples the slow properties try (tests/hypothesis_budget.py); the others keep the count
they name, or hypothesis's 100.
"""

import os

from hypothesis import settings

settings.register_profile("thorough")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
