"""`python -m pack_bundle OUT`: write the publishable policy pack (with the leaf package inside) to OUT."""

from __future__ import annotations

import sys
from pathlib import Path

from pack_bundle import BundleError, bundle


def main() -> int:
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        print("usage: python -m pack_bundle OUT_DIR", file=sys.stderr)
        return 2
    try:
        out = bundle(Path(sys.argv[1]))
    except (BundleError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {out}: publish it with 'pulumi policy publish' from that folder")
    return 0


if __name__ == "__main__":
    sys.exit(main())
