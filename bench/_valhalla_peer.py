"""Valhalla peer for bench/isochrones.py: runs in the side venv (.venv-valhalla, Python >= 3.12
with pyvalhalla), builds routing tiles from an OSM extract offline once, then answers one
JSON request per stdin line with one JSON line on stdout. Imports nothing of the project.

Requests: ``{"op": "isochrone", "costing": ..., "lon": ..., "lat": ..., "contours_min": [...],
"repeat": n, "costing_options": {...}}`` -> best wall and CPU time of ``repeat`` calls (ms)
and the GeoJSON;
``{"op": "expansion", ...same...}`` -> the edges Valhalla's isochrone search settled, each as
``[coords, end_s, edge_id, pred_edge_id]``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import valhalla
from valhalla.config import get_config


def _actor(pbf: Path, folder: Path) -> valhalla.Actor:
    tiles = folder / "tiles"
    config_path = folder / "valhalla.json"
    if not (folder / "done").exists():
        tiles.mkdir(parents=True, exist_ok=True)
        config = get_config(tile_extract="", tile_dir=tiles)
        config["mjolnir"]["admin"] = ""  # no admin/timezone databases: offline, not needed here
        config["mjolnir"]["timezone"] = ""
        config_path.write_text(json.dumps(config))
        bin_dir = Path(valhalla.__file__).parent / "bin"
        env = {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        }
        subprocess.run(
            ["valhalla_build_tiles", "-c", str(config_path), str(pbf)],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        (folder / "done").write_text(str(pbf))
    return valhalla.Actor(str(config_path))


def _request(message: dict) -> dict:
    return {
        "locations": [{"lon": message["lon"], "lat": message["lat"]}],
        "costing": message["costing"],
        "costing_options": {message["costing"]: message.get("costing_options", {})},
        "contours": [{"time": float(c)} for c in message["contours_min"]],
        "polygons": True,
    }


def main() -> None:
    pbf, folder = Path(sys.argv[1]), Path(sys.argv[2])
    actor = _actor(pbf, folder)
    print(json.dumps({"ready": True, "version": valhalla.__version__}), flush=True)
    for line in sys.stdin:
        message = json.loads(line)
        request = _request(message)
        if message["op"] == "isochrone":
            body = json.dumps(request)
            best = best_cpu = float("inf")
            for _ in range(int(message.get("repeat", 1))):
                start, start_cpu = time.perf_counter(), time.process_time()
                answer = actor.isochrone(body)
                best = min(best, time.perf_counter() - start)
                best_cpu = min(best_cpu, time.process_time() - start_cpu)
            print(json.dumps({"ms": best * 1e3, "cpu_ms": best_cpu * 1e3, "geojson": json.loads(answer)}), flush=True)
        elif message["op"] == "expansion":
            request.update(
                action="isochrone", skip_opposites=False, expansion_properties=["duration", "edge_id", "pred_edge_id"]
            )
            features = json.loads(actor.expansion(json.dumps(request)))["features"]
            edges = [
                [
                    f["geometry"]["coordinates"],
                    f["properties"]["duration"],
                    f["properties"]["edge_id"],
                    f["properties"]["pred_edge_id"],
                ]
                for f in features
            ]
            print(json.dumps({"edges": edges}), flush=True)


if __name__ == "__main__":
    main()
