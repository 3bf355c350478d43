"""The wardens' own pages (phone first): my post, my attendance and subsidy, the round's decision."""
from flask import Flask


def init_app(app: Flask) -> None:
    from .routes import bp

    app.register_blueprint(bp)
