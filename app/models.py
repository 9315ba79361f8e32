"""Imports every domain's models so metadata (Alembic, create_all in tests) sees all tables."""

from app.accounts.models import ApiToken, User  # noqa: F401
from app.social.models import Follow  # noqa: F401
