"""Helpers shared by every domain's HTML forms."""

from __future__ import annotations

from flask import flash

from app.errors import AppError


def show_errors(form, error: AppError) -> None:
    """Put a service error onto the form fields it names, or flash it when it names none."""
    placed = False
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]
            placed = True
    if not placed or not error.fields:
        flash(str(error.message), "error")
