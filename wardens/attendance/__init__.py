"""Daily attendance, corrections, the month workflow, and the monthly sheet with the subsidy it pays."""
from flask import Flask

from . import stoppage_routes
from .cli import attendance_cli
from .routes import bp

__all__ = ["bp", "init_app", "stoppage_routes"]


def init_app(app: Flask) -> None:
    """Register the attendance blueprint."""
    app.register_blueprint(bp)
    app.cli.add_command(attendance_cli)
