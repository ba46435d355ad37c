"""AWS's machine-readable service models, as botocore ships them: shapes, patterns, lengths, ranges, enums.

Every AWS fact that a model states is read from here, never retyped: a botocore upgrade (pinned in
aws-facts/pyproject.toml) updates them all at once. Models are loaded once per process and memoised.

Patterns: AWS's models write Java regular expressions (`\\p{L}` classes included), which the `regex` module
reads. AWS validates a member against its pattern as a whole (a repository name `Foo` is refused although
`oo` matches), so a value must match the pattern from its first character to its last.
"""

from __future__ import annotations

import functools
import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore
import regex

BOTOCORE_VERSION: str = botocore.__version__
DATA = Path(botocore.__file__).parent / "data"  # the models botocore ships, one folder per service


@functools.cache
def service_model(service: str) -> dict[str, Any]:
    """The raw service-2 model of `service` (e.g. "ecr", "iam", "kms", "ecr-public"): the model of its latest API
    version in botocore's data, as botocore's Loader picks it (the newest version folder that has the file, read
    as JSON or gzip'd JSON; botocore's own data only, never a ~/.aws/models override).

    Read here without the Loader: importing botocore.loaders (botocore.compat, urllib3, dateutil) cost 0.07 of the
    0.49 CPU-s each policy pack process takes to start, once per stack of every preview. A model botocore amends
    with an sdk-extras file is left to the Loader, which merges it. tests/validation/test_service_models.py holds
    every service read here to the Loader's answer."""
    versions = sorted(folder.name for folder in (DATA / service).glob("*") if any(folder.glob("service-2.json*")))
    if not versions:
        raise KeyError(f"botocore {BOTOCORE_VERSION} has no service model {service!r}")
    folder = DATA / service / versions[-1]
    if (folder / "service-2.sdk-extras.json").exists():
        return _loader().load_service_model(service, "service-2")
    file = folder / "service-2.json"  # the Loader's order: plain JSON first, then gzip'd
    file = file if file.is_file() else folder / "service-2.json.gz"
    data = gzip.decompress(file.read_bytes()) if file.suffix == ".gz" else file.read_bytes()
    return json.loads(data)


@functools.cache
def _loader():
    """botocore's Loader, for the models it amends with sdk-extras (none of those read today)."""
    import botocore.loaders

    return botocore.loaders.Loader()


def shape(service: str, name: str) -> dict[str, Any]:
    """One shape of a service model; a KeyError names the shape when botocore has no such shape."""
    shapes = service_model(service)["shapes"]
    if name not in shapes:
        raise KeyError(f"botocore {BOTOCORE_VERSION} has no shape {service}:{name}")
    return shapes[name]


def api_version(service: str) -> str:
    return str(service_model(service)["metadata"]["apiVersion"])


def enum(service: str, name: str) -> tuple[str, ...]:
    """The values of an enum shape, in the model's order."""
    return tuple(shape(service, name)["enum"])


def length(service: str, name: str) -> tuple[int | None, int | None]:
    """(min, max) of a string or list shape (None where the model says nothing)."""
    found = shape(service, name)
    return found.get("min"), found.get("max")


def maximum(service: str, name: str) -> int:
    """The max of a string or list shape; a KeyError names the shape when the model states none."""
    high = length(service, name)[1]
    if high is None:
        raise KeyError(f"botocore {BOTOCORE_VERSION} states no maximum for {service}:{name}")
    return int(high)


def unanchored(service: str, name: str) -> str:
    """A shape's pattern without its ^ and $, to compile for fullmatch or to embed in another pattern."""
    return pattern(service, name).removeprefix("^").removesuffix("$")


@functools.cache
def compiled(pattern: str) -> Callable[[str], bool]:
    """Whether a whole value matches a model pattern (compiled once per pattern)."""
    matcher = regex.compile(pattern)
    return lambda value: matcher.fullmatch(value) is not None


def pattern(service: str, name: str) -> str:
    return str(shape(service, name)["pattern"])


def matches(service: str, name: str, value: str) -> bool:
    """`value` satisfies the shape's length and pattern (what the service checks before anything else)."""
    low, high = length(service, name)
    if low is not None and len(value) < low or high is not None and len(value) > high:
        return False
    found = shape(service, name).get("pattern")
    return found is None or compiled(found)(value)
