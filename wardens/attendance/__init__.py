"""Daily attendance, corrections, the month workflow, and the monthly sheet with the subsidy it pays."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register the attendance blueprint."""
    from .routes import bp

    app.register_blueprint(bp)
