"""`flask users ...`: accounts from the command line (the first admin, scripts)."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from ..models import Role, User
from .operations import AccountError, create_user

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]), help="The account's role.")
@click.option("--township", "township", default=None, help="Township name (clerks).")
@click.option("--person", "person", default=None, help="The warden's ID number (wardens).")
def create_command(username: str, role: str, township: str | None, person: str | None) -> None:
    """Create an account; the password is read from standard input."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        create_user(username, password, role, township_name=township, person_id_number=person, actor_id=None)
    except AccountError as err:
        db.session.rollback()
        raise click.ClickException(str(err)) from None
    db.session.commit()
    click.echo(f"created {username} ({role})")


@users_cli.command("list")
def list_command() -> None:
    """List accounts with their roles."""
    for user in db.session.scalars(select(User).order_by(User.username)):
        state = "" if user.active else " (disabled)"
        click.echo(f"{user.username}\t{user.role}{state}")
