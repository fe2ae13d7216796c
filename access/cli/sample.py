"""``access sample``, ``access demo`` and ``access rail-spec``: the built-in sample region."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from access.cli._app import app, friendly
from access.cli._errors import check_outputs
from access.cli._options import Quiet

__all__ = ["sample", "demo", "rail_spec_app"]


@app.command()
@friendly
def sample(
    out: Annotated[Path, typer.Option(help="Folder for the sample region files.")] = Path("outputs/sample"),
    quiet: Quiet = False,
) -> None:
    """Write the built-in fictional city-cluster sample region (OSM PBF + places)."""
    # start-up: the library loads when the command runs, not for --help
    from access.sample import write_sample_region
    from access.sample.transit import write_sample_transit

    check_outputs(folders=[out])
    region = write_sample_region(out)
    transit = write_sample_transit(region, out)
    if not quiet:
        typer.echo(f"wrote {region.osm_pbf}, {region.places_csv}")
        for path in transit.values():
            typer.echo(f"wrote {path}")


rail_spec_app = typer.Typer(help="Rail line specs (planned HSR / intercity lines in YAML).", no_args_is_help=True)
app.add_typer(rail_spec_app, name="rail-spec")


@rail_spec_app.command("to-gtfs")
@friendly
def rail_spec_to_gtfs_command(
    spec: Annotated[Path, typer.Argument(help="Rail spec YAML.")],
    out: Annotated[Path, typer.Argument(help="GTFS zip to write.")],
    quiet: Quiet = False,
) -> None:
    """Convert a rail line spec to a GTFS zip (daily service over its date range)."""
    # start-up: the library loads when the command runs, not for --help
    from access.io.rail_spec import read_rail_spec, spec_trip_minutes, write_rail_spec_gtfs

    check_outputs(out)
    parsed = read_rail_spec(spec)
    write_rail_spec_gtfs(parsed, out)
    if not quiet:
        pattern = parsed.patterns[0].name if parsed.patterns else "all"
        typer.echo(
            f"wrote {out}: {parsed.line}, {len(parsed.stations)} stations, "
            f"{spec_trip_minutes(parsed, pattern):.0f} min end to end"
        )


@app.command()
@friendly
def demo(
    out: Annotated[Path, typer.Option(help="Folder for every demo output.")] = Path("outputs"),
    quiet: Quiet = False,
) -> None:
    """Run the main job on the built-in sample region; results land in --out."""
    # start-up: the library loads when the command runs, not for --help
    from access.demo import run_demo

    check_outputs(folders=[out])
    run_demo(out, progress=not quiet)
