"""`flask attendance ...`: upkeep of the attendance months."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from .snapshot import store_missing_snapshots

attendance_cli = AppGroup("attendance", help="Attendance months and their sheets.")


@attendance_cli.command("store-closed-sheets")
def store_closed_sheets_command() -> None:
    """Store the sheet of each closed month that has none (months closed before the upgrade that stores them); run once after `flask db upgrade`."""
    months = store_missing_snapshots()
    db.session.commit()
    if not months:
        click.echo("Every closed month has its stored sheet; nothing changed.")
        return
    for m in months:
        click.echo(f"{m.township_name} {m.year}-{m.month:02d}: {m.holders} holders, {m.total_payable} yuan")
    click.echo(f"Stored the sheets of {len(months)} closed months.")
