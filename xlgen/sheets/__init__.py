"""Sheet builders, one module per family of experiments; ``BUILDERS`` maps an experiment to its builder."""

from __future__ import annotations

from . import graddesc

BUILDERS = {**graddesc.BUILDERS}
