"""Hand-made OSM XML files for small, hand-checkable test networks."""

from __future__ import annotations

from pathlib import Path


def write_osm(path: Path, nodes: dict[int, tuple[float, float]], ways: list[tuple[int, list[int], dict]]) -> Path:
    """A minimal OSM XML file: ``nodes`` {id: (lon, lat)}, ``ways`` [(id, refs, tags)]."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="tests">']
    for nid, (lon, lat) in nodes.items():
        lines.append(f'  <node id="{nid}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    for wid, refs, tags in ways:
        lines.append(f'  <way id="{wid}" version="1">')
        lines.extend(f'    <nd ref="{r}"/>' for r in refs)
        lines.extend(f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items())
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
