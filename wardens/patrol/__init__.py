"""Patrol (巡查): road sections' lines, the warden's check-ins from the phone, road reports, maps."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register the patrol blueprint and the `flask patrol` commands."""
    from .cli import patrol_cli
    from .routes import bp

    app.register_blueprint(bp)
    app.cli.add_command(patrol_cli)
