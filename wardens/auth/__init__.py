"""Logging in and out, passwords, languages, and the `flask users` command."""
from flask import Flask

from .cli import users_cli
from .routes import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(users_cli)
