"""The run's settings, before any test module is imported.

- The hypothesis profile: HYPOTHESIS_PROFILE=thorough (CI's pull-request job) or the default (`make test`). The
  profile decides how many examples the slow properties try (tests/hypothesis_budget.py); the others keep the
  count they name, or hypothesis's 100.
- Bytecode is cached for this process even where PYTHONDONTWRITEBYTECODE is set (as on this project's machine):
  pytest rewrites the asserts of every test module it imports and keeps the result only where bytecode may be
  written, so each xdist worker of every run rewrote all of them again (about 3 of the 10 CPU-s a worker spends
  collecting). The caches go to `__pycache__/`, which git ignores, as `make test`'s compileall of the sources
  does; the processes the tests start keep the variable.
"""

import os
import sys

from hypothesis import settings

sys.dont_write_bytecode = False

settings.register_profile("thorough")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
