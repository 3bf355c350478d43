"""Patrol (巡查): road sections' lines, the warden's check-ins from the phone, road reports, maps."""
from flask import Flask

from .cli import patrol_cli
from .evidence import grid_evidence
from .lines import line_summary
from .routes import bp


def init_app(app: Flask) -> None:
    """Register the patrol blueprint and the `flask patrol` commands."""
    app.register_blueprint(bp)
    app.cli.add_command(patrol_cli)
    # The attendance grid shows the day's check-ins beside each holder.
    app.add_template_global(grid_evidence, "patrol_grid_evidence")
    # The post's page shows its line's length beside the km on record.
    app.add_template_global(line_summary, "patrol_line_summary")
