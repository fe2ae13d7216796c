"""Start-up benchmark: ``access --help`` and ``import access`` against ``import numpy``, and a
numba kernel's first call in a fresh process with and without its on-disk cache.

Run: ``python bench/startup.py [--repeat 7]`` (``make bench``). Every figure is the best of
``--repeat`` fresh interpreters, interleaved so that load on the machine hits all alike;
the targets of issue 19.3 are ratios: ``access --help`` within 4x ``python -c "import
numpy"`` and ``import access`` within 8x. Nothing is asserted (timings never go in tests).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CASES = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "import numpy": [sys.executable, "-c", "import numpy"],
    "import access": [sys.executable, "-c", "import access"],
    "access --help": [sys.executable, "-m", "access.cli", "--help"],
    "access isochrone --help": [sys.executable, "-m", "access.cli", "isochrone", "--help"],
    "import access; access.build_network": [sys.executable, "-c", "import access; access.build_network"],
}
TARGETS = {"import access": 8.0, "access --help": 4.0}  # x import numpy (issue 19.3)

# a first Dijkstra call on a 3-node graph: compile (empty cache) or load (warm cache)
KERNEL = (
    "import time, numpy as np; t = time.perf_counter(); "
    "from access._kernels.dijkstra import one_to_all; "
    "one_to_all(np.array([0, 1, 2, 2], np.int64), np.array([1, 2], np.int64), np.array([5, 7], np.int32), "
    "[0], [0], 100); print(time.perf_counter() - t)"
)


def _run(command: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def _kernel_s(env: dict) -> float:
    out = subprocess.run([sys.executable, "-c", KERNEL], cwd=REPO, env=env, check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    for command in CASES.values():  # warm the OS file cache and __pycache__
        _run(command)
    best = dict.fromkeys(CASES, float("inf"))
    for _ in range(args.repeat):
        for name, command in CASES.items():
            best[name] = min(best[name], _run(command))
    numpy_s = best["import numpy"]
    print(f"{'case':38s} {'best s':>8s} {'x numpy':>8s}  target")
    for name, seconds in best.items():
        target = f"<= {TARGETS[name]:g}x" if name in TARGETS else ""
        verdict = "" if not target else ("met" if seconds / numpy_s <= TARGETS[name] else "MISSED")
        print(f"{name:38s} {seconds:8.3f} {seconds / numpy_s:8.2f}  {target} {verdict}")

    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        cold = _kernel_s(env)  # compiles and writes the cache
        warm = min(_kernel_s(env) for _ in range(args.repeat))
    print(
        f"numba one_to_all first call: {cold:.3f} s compiling, {warm:.3f} s from the on-disk cache "
        f"(cache=True): {cold / warm:.1f}x faster in a second process"
    )


if __name__ == "__main__":
    main()
