"""`flask demo ...`: load the demo district and show its logins."""
from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from ..dates import today
from ..extensions import db
from .accounts import DEMO_ACCOUNTS, DEMO_URL
from .load import DemoError, demo_loaded, load_demo

demo_cli = AppGroup("demo", help="The demo district (裕安区, made-up people).")


@demo_cli.command("load")
@click.option("--scale", default=1, show_default=True, type=click.IntRange(1, 100),
              help="Multiply households, people and posts (benchmarks); 1 is the published district.")
@click.option("--months", "attendance_months", default=3, show_default=True, type=click.IntRange(0, 12),
              help="Months of attendance to record before today.")
def load_command(scale: int, attendance_months: int) -> None:
    """Load the demo district; does nothing when it is already loaded."""
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
    click.echo(f"{'username':<10} {'role':<8} {'password':<18} scope")
    for username, spec in DEMO_ACCOUNTS.items():
        scope = spec["township"] or "district"
        if spec["role"] == "warden":
            scope = f"a 护路员 in {spec['township']}"
        click.echo(f"{username:<10} {spec['role']:<8} {spec['password']:<18} {scope}")
