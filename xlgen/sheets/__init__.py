"""Sheet builders, one module per family of experiments; ``BUILDERS`` maps an experiment to its builder."""

from __future__ import annotations

from . import forum, graddesc

BUILDERS = {**graddesc.BUILDERS, **forum.BUILDERS}
