"""`flask patrol ...`: housekeeping for the patrol area."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..dates import utcnow
from ..extensions import db
from .purge import purge_old_locations

patrol_cli = AppGroup("patrol", help="Patrol check-ins, photos and road reports.")


@patrol_cli.command("purge")
def purge_command() -> None:
    """Delete check-ins, locations and photos older than the retention period (run it daily)."""
    result = purge_old_locations(utcnow())
    db.session.commit()
    click.echo(f"deleted {result.check_ins} check-ins and {result.photos} photos ({result.files} files); "
               f"cleared the location of {result.reports_cleared} resolved reports")
