"""The red-team corpus (corpus/*.json, written by corpus/generate.py), read once for the files that test it."""

import json
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
CORPUS = {path.stem: json.loads(path.read_text()) for path in sorted(CORPUS_DIR.glob("*.json"))}
