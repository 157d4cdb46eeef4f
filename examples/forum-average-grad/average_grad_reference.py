"""A course author's own reference for average_grad.xlsx: a plain function returning a DataFrame.

It uses fastai's ``average_grad`` from xlgen's reference, called as the
notebook calls it, and names its columns the way the spec file maps them.
"""

import pandas as pd

from reference.optimizers import Param, average_grad


def average_grad_calls(grad, mom=0.9, calls=3):
    """One row per call of average_grad on the tensor ``grad``: undampened and dampened averages."""
    p = Param([1.0, 2.0, 3.0], grad)
    plain, damped = {}, {}
    rows = []
    for call in range(1, calls + 1):
        plain = average_grad(p, mom=mom, **plain)
        damped = average_grad(p, mom=mom, dampening=True, **damped)
        row = {"call": call}
        for i in range(3):
            row[f"avg_{i + 1}"] = float(plain["grad_avg"][i])
            row[f"avg_damp_{i + 1}"] = float(damped["grad_avg"][i])
        rows.append(row)
    return pd.DataFrame(rows)
