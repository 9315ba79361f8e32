"""Zhongcao (種草): a notes community with social commerce built in."""

from __future__ import annotations

from flask import Flask

from app.errors import register_errorhandlers
from app.extensions import babel, csrf, init_limiter, login_manager


def create_app(config=None) -> Flask:
    app = Flask(__name__, template_folder="../templates", static_folder="../static", instance_relative_config=False)
    load_config(app, config)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def load_config(app: Flask, config) -> None:
    from config import config_from_env

    app.config.from_object(config if config is not None else config_from_env())


def register_extensions(app: Flask) -> None:
    from app import i18n, jobs, ops, search, security, templating, trust
    from app.accounts import auth
    from app.db import db
    from app.params import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route is registered
    ops.init_app(app)  # first: request ids before other hooks, the request log after them
    db.init_app(app)
    csrf.init_app(app)
    init_limiter(app)
    i18n.init_app(app)
    auth.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    search.init_app(app)
    trust.init_app(app)
    jobs.init_app(app)


def register_blueprints(app: Flask) -> None:
    from app.accounts.views import bp as accounts_bp
    from app.api import bp as api_bp
    from app.catalog.views import bp as catalog_bp
    from app.feed.views import bp as feed_bp
    from app.i18n import bp as i18n_bp
    from app.media.views import bp as media_bp
    from app.moderation.views import bp as moderation_bp
    from app.notes.views import bp as notes_bp
    from app.ops.views import bp as ops_bp
    from app.orders.views import bp as orders_bp
    from app.search.views import bp as search_bp
    from app.sharing.dashboard_views import bp as dashboard_bp
    from app.sharing.views import bp as sharing_bp
    from app.social.views import bp as social_bp

    blueprints = (feed_bp, accounts_bp, notes_bp, social_bp, moderation_bp, i18n_bp, media_bp, catalog_bp,
                  orders_bp, search_bp, sharing_bp, dashboard_bp, api_bp, ops_bp)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    # The API authenticates with bearer tokens only, never the session cookie, so CSRF cannot apply.
    csrf.exempt(api_bp)
    from app.extensions import limiter

    limiter.exempt(ops_bp)  # probes are never rate-limited


def register_commands(app: Flask) -> None:
    from app.cli import register

    register(app)


__all__ = ["create_app", "babel", "login_manager"]
