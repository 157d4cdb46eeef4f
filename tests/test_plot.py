"""xlgen plot: one PNG per workbook chart, drawn from the reference."""

import pytest

from xlgen.builder import workbook_spec
from xlgen.cli import main

pytest.importorskip("matplotlib")


@pytest.mark.parametrize("name", ["momentum-sin", "wd-vs-l2", "basic-sgd"])
def test_plot_writes_one_png_per_chart(tmp_path, name):
    assert main(["plot", name, "--out", str(tmp_path)]) == 0
    charts = sum(len(sheet.charts) for sheet in workbook_spec(name).sheets)
    files = sorted(tmp_path.glob("*.png"))
    assert len(files) == charts > 0
    for path in files:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
