"""Drawing a map leaves matplotlib as the user set it: same backend, no pyplot figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

DRAW = """
import matplotlib
matplotlib.use("svg")  # the user's choice, not Agg
import matplotlib.pyplot as plt
import access
from access.viz import plot_isochrones
net = access.build_network({pbf!r}, modes=("walk",), progress=False)
iso = access.isochrones(net, (-51.2287, -30.0277), mode="walk", cutoffs_min=(5, 10))
fig = plot_isochrones(iso, net.street("walk"), {png!r})
print(matplotlib.get_backend(), len(plt.get_fignums()), type(fig.canvas).__name__)
"""


@pytest.mark.realdata
def test_a_map_keeps_the_users_backend_and_leaves_no_pyplot_figure(poa_pbf, tmp_path):
    png = tmp_path / "iso.png"
    code = DRAW.format(pbf=str(poa_pbf), png=str(png))
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    backend, open_figures, canvas = out.stdout.split()
    assert backend == "svg" and open_figures == "0" and canvas == "FigureCanvasAgg"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
