"""Logging in and out, passwords, languages, and the `flask users` command."""
from flask import Flask


def init_app(app: Flask) -> None:
    from .cli import users_cli
    from .routes import bp

    app.register_blueprint(bp)
    app.cli.add_command(users_cli)
