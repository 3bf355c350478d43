"""The yearly reallocation (动态调整): rounds, applications, the matcher run, public notice,
approval, dismissal review (清退) and mid-year fills."""
from flask import Flask

from .routes import bp


def init_app(app: Flask) -> None:
    """Register the reallocation blueprint."""
    app.register_blueprint(bp)
