"""The wardens' own pages (phone first): my post, my attendance and subsidy, the round's decision."""
from flask import Flask

from .routes import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
