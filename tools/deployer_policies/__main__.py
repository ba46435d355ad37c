"""`python -m deployer_policies --env ENV --out DIR`: write each stack owner's deployer policy to DIR."""

import sys

from deployer_policies.cli import main

sys.exit(main())
