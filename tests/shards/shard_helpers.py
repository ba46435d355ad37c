"""Paths the shard tests share (a module of its own name: every test folder has a conftest.py)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
