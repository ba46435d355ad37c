"""A checkov worker that answers a scan with text that is not its JSON protocol."""

import sys

print('{"ready": true, "version": "3.3.30"}', flush=True)
for _ in sys.stdin:
    print("Traceback (most recent call last): checkov blew up", flush=True)
