"""``access compare``: a scenario file against its base, written as a report folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from access.cli._app import app, friendly
from access.cli._errors import check_outputs
from access.cli._options import STREET_BUILD, NetworkOptions, Use, grouped

__all__ = ["compare_command"]

# the scenario file names the network's inputs; the command line only picks the cache
CacheOnly = Annotated[NetworkOptions, Use(omit=("osm", "bbox", "gtfs", "rail_spec", "service_date", *STREET_BUILD))]


@app.command("compare")
@friendly
@grouped
def compare_command(
    *,
    scenario: Annotated[Path, typer.Option("--scenario", help="Scenario YAML/JSON (base + modifications).")],
    out: Annotated[Path, typer.Option(help="Report folder (deltas, summary.csv, PNG/HTML maps, report).")],
    origins: Annotated[
        Path | None, typer.Option(help="Origins (default: base.origins, else base.opportunities).")
    ] = None,
    no_maps: Annotated[bool, typer.Option("--no-maps", help="Tables and report only.")] = False,
    network: CacheOnly,
) -> None:
    """Compare a scenario with its base: per-origin deltas, circles, equity, report."""
    # start-up: the library loads when the command runs, not for --help
    from access.scenarios.apply import build
    from access.scenarios.compare import compare_scenario, scenario_points
    from access.scenarios.model import read_scenario
    from access.viz.report import write_comparison

    check_outputs(folders=[out])
    parsed = read_scenario(scenario)
    origin_points, opportunity_points = scenario_points(parsed, origins)
    base, after = build(parsed, cache_dir=network.cache_dir, progress=network.progress)
    result = compare_scenario(parsed, base, after, origin_points, opportunity_points, progress=network.progress)
    files = write_comparison(result, out, scenario=parsed, base=base, after=after, maps=not no_maps)
    if not network.quiet:
        for label, value in list(result.headline().items())[:40]:
            typer.echo(f"{label}: {value:,.4g}", err=True)
        for label, path in files.items():
            typer.echo(f"wrote {path} ({label})", err=True)
