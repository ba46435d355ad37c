"""Reading a manifest file for the diff: any file may be handed to `--base-dir` / `--head-dir`, so each is
checked (size, depth, format version, the fields the diff reads) and refused as one ManifestError line naming
the file and what is wrong.
"""

from __future__ import annotations

from pathlib import Path

from model_registry.sources import SourceError, load_json

# A manifest bigger or deeper than any real one is refused rather than read.
MAX_MANIFEST_BYTES = 256 * 1024 * 1024
MAX_MANIFEST_DEPTH = 64
# The manifest formats this diff reads (manifest.FORMAT and its predecessors); a manifest without one is
# the first format. Every revision writes manifests with its own code, the current diff reads them all.
READ_FORMATS = ("offline-preview-manifest/1",)


class ManifestError(ValueError):
    """A manifest file that cannot be compared; the message is one line naming the file."""


def read_manifest(path: Path) -> dict:
    """A manifest file, checked for the fields the diff reads; anything else is one ManifestError."""
    try:
        data = load_json(path, what="a JSON manifest", max_bytes=MAX_MANIFEST_BYTES, max_depth=MAX_MANIFEST_DEPTH)
    except SourceError as exc:
        raise ManifestError(str(exc)) from None
    if not isinstance(data, dict) or not isinstance(data.get("resources"), list):
        raise ManifestError(f"{path}: not a manifest (a JSON object with a `resources` list)")
    written = data.get("format", READ_FORMATS[0])
    if written not in READ_FORMATS:
        raise ManifestError(
            f"{path}: format {written!r} is not one this diff reads ({', '.join(READ_FORMATS)}); "
            "run the diff of the newer revision"
        )
    seen: set[str] = set()
    for index, entry in enumerate(data["resources"]):
        where = f"{path}: resources[{index}]"
        if not isinstance(entry, dict):
            raise ManifestError(f"{where}: must be an object")
        for key, kind in (("urn", str), ("type", str), ("inputs", dict), ("options", dict)):
            if not isinstance(entry.get(key), kind):
                raise ManifestError(f"{where}: `{key}` missing or not {'a string' if kind is str else 'an object'}")
        if entry["urn"] in seen:
            raise ManifestError(f"{where}: duplicate urn {entry['urn']!r}")
        seen.add(entry["urn"])
        aliases = entry["options"].get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ManifestError(f"{where}: `options.aliases` must be a list of URNs")
    return data
