"""Daily attendance, corrections, the month workflow, and the monthly sheet with the subsidy it pays."""
from flask import Flask

from .routes import bp


def init_app(app: Flask) -> None:
    """Register the attendance blueprint."""
    app.register_blueprint(bp)
