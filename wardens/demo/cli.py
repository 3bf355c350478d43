"""`flask demo ...`: load the demo district and show its logins."""
from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from ..dates import today
from ..extensions import db
from ..models import Role
from .accounts import DEMO_ACCOUNTS, DEMO_URL
from .load import DemoError, demo_loaded, load_demo

demo_cli = AppGroup("demo", help="The demo district (裕安区, made-up people).")


@demo_cli.command("load")
@click.option("--scale", default=1, show_default=True, type=click.IntRange(1, 100),
              help="Multiply households, people and posts (benchmarks); 1 is the published district.")
@click.option("--months", "attendance_months", default=3, show_default=True, type=click.IntRange(0, 12),
              help="Months of attendance to record before today.")
@click.option("--add-demo-logins-and-made-up-people", "into_production", is_flag=True,
              help="Load into a production database anyway: adds four accounts whose passwords are published "
                   "in the README and about 2,400 made-up people, households and posts.")
def load_command(scale: int, attendance_months: int, into_production: bool) -> None:
    """Load the demo district; does nothing when it is already loaded. Refused in production without the flag."""
    if current_app.config.get("WARDENS_ENV") == "production" and not into_production:
        raise click.ClickException(
            "WARDENS_ENV is production: the demo would add four accounts whose passwords are published "
            "(admin, office, clerk, warden) and about 2,400 made-up people. Nothing was loaded. "
            "Use WARDENS_ENV=development, or pass --add-demo-logins-and-made-up-people if this "
            "database really is a demonstration."
        )
    if demo_loaded():
        click.echo("The demo district is already loaded; nothing changed.")
        return
    started = time.perf_counter()
    try:
        summary = load_demo(today=today(), scale=scale, attendance_months=attendance_months)
    except DemoError as err:
        db.session.rollback()
        raise click.ClickException(str(err)) from None
    db.session.commit()
    seconds = time.perf_counter() - started
    click.echo(
        f"Loaded the demo district in {seconds:.1f} s: {summary.townships} townships, "
        f"{summary.villages} villages, {summary.households} households ({summary.poor_households} "
        f"registered poor with {summary.poor_people} people, {summary.flood_households} flood-affected, "
        f"{summary.flood_and_poor_households} both), {summary.people} people, {summary.posts} posts "
        f"with {summary.slots} slots on {summary.km} km, {summary.holders} holders, "
        f"{summary.attendance_records} attendance records ({summary.first_day} to {summary.last_day})."
    )


@demo_cli.command("logins")
def logins_command() -> None:
    """Print the demo accounts with their roles and passwords."""
    click.echo(f"Demo accounts for {DEMO_URL}")
    click.echo(f"{'username':<10} {'role':<10} {'password':<18} scope")
    for username, spec in DEMO_ACCOUNTS.items():
        scope = spec["township"] or "district"
        if spec["role"] == Role.WARDEN:
            scope = f"a 护路员 in {spec['township']}"
        elif spec["role"] == Role.ROAD_CHIEF:
            scope = f"路长 of the demo warden's village in {spec['township']}"
        click.echo(f"{username:<10} {spec['role']:<10} {spec['password']:<18} {scope}")
