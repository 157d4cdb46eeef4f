"""Sheet builders, one module per family of experiments; ``BUILDERS`` maps an experiment to its builder."""

from __future__ import annotations

from . import fastai, forum, graddesc

BUILDERS = {**graddesc.BUILDERS, **forum.BUILDERS, **fastai.BUILDERS}
