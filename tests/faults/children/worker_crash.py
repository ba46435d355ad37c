"""A checkov worker that imports fine and dies on its first scan (as a crash mid-scan does)."""

import sys

print('{"ready": true, "version": "3.3.30"}', flush=True)
sys.stdin.readline()
sys.exit(3)
