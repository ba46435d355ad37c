"""A checkov worker that takes a scan and never answers (a hang)."""

import sys
import time

print('{"ready": true, "version": "3.3.30"}', flush=True)
sys.stdin.readline()
time.sleep(3600)
