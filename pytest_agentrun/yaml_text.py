"""YAML as the project reads it: PyYAML's safe loading, through libyaml's C parser where PyYAML was
built with it (PyPI's wheels are): the same documents as yaml.safe_load, parsed about ten times
faster. A lane of a thousand services has thousands of manifests, and every sandbox cluster
starts by reading the upstream CRDs (megabytes of schema)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str) -> Any:
    return yaml.load(text, Loader=SAFE_LOADER)


def load_all(text: str) -> Iterator[Any]:
    return yaml.load_all(text, Loader=SAFE_LOADER)
