"""``access compare``: a scenario file against its base, written as a report folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from access.cli._app import CacheDir, Quiet, app, friendly
from access.cli._errors import check_outputs

__all__ = ["compare_command"]


@app.command("compare")
@friendly
def compare_command(
    scenario: Annotated[Path, typer.Option("--scenario", help="Scenario YAML/JSON (base + modifications).")],
    out: Annotated[Path, typer.Option(help="Report folder (deltas, summary.csv, PNG/HTML maps, report).")],
    origins: Annotated[
        Path | None, typer.Option(help="Origins (default: base.origins, else base.opportunities).")
    ] = None,
    no_maps: Annotated[bool, typer.Option("--no-maps", help="Tables and report only.")] = False,
    cache_dir: CacheDir = None,
    quiet: Quiet = False,
) -> None:
    """Compare a scenario with its base: per-origin deltas, circles, equity, report."""
    import os

    from access.errors import InputError
    from access.io.points import read_points
    from access.scenarios.apply import build
    from access.scenarios.compare import compare
    from access.scenarios.model import read_scenario
    from access.viz.report import write_comparison

    check_outputs(folders=[out])
    parsed = read_scenario(scenario)
    opp_file = parsed.base.opportunities
    origin_file = origins or parsed.base.origins or opp_file
    if origin_file is None or opp_file is None:
        raise InputError(f"scenario {scenario.name}: base.opportunities (points with counts) is needed to compare.")
    origin_points = read_points(origin_file)
    opp_points = read_points(opp_file)
    if cache_dir is not None:
        os.environ["ACCESS_CACHE_DIR"] = str(cache_dir)
    base, after = build(parsed, progress=not quiet)
    c = parsed.compare
    result = compare(
        base,
        after,
        origin_points,
        opp_points,
        centres=c.centres,
        mode=c.mode,
        cutoffs_min=c.cutoffs_min,
        opportunity=c.opportunity,
        population=c.population,
        by=c.by,
        class_column=c.class_column,
        departure=c.departure,
        window_min=c.window_min,
        percentile=c.percentile,
        access_mode=c.access_mode,
        max_time_min=c.max_time_min,
        progress=not quiet,
    )
    files = write_comparison(result, out, scenario=parsed, base=base, after=after, maps=not no_maps)
    if not quiet:
        for label, value in list(result.headline().items())[:40]:
            typer.echo(f"{label}: {value:,.4g}", err=True)
        for label, path in files.items():
            typer.echo(f"wrote {path} ({label})", err=True)
