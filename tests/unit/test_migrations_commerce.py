"""Migration 0003 alters the notes table, which SQLite does by copying it: that must not cascade
into the tables that point at notes."""

from __future__ import annotations

import sqlite3

from app import create_app
from app.db import db
from config import TestingConfig


def test_upgrading_to_commerce_keeps_every_note_row_and_its_children(tmp_path):
    path = tmp_path / "old.sqlite3"
    config = TestingConfig()
    config.DATABASE_URL = f"sqlite:///{path}"
    app = create_app(config)
    runner = app.test_cli_runner()
    try:
        assert runner.invoke(args=["db", "upgrade", "0002"]).exit_code == 0
        with sqlite3.connect(path) as conn:
            conn.execute("INSERT INTO users (id, username, display_name, bio, locale, password_hash, is_admin, "
                         "session_token, created_at) VALUES (1, 'old', 'Old', '', 'zh_Hant', 'x', 0, 't', "
                         "'2026-01-01 00:00:00')")
            conn.execute("INSERT INTO notes (id, author_id, title, body, is_draft, like_count, collect_count, "
                         "comment_count, created_at, updated_at, published_at) VALUES (1, 1, 't', 'b', 0, 1, 0, 0, "
                         "'2026-01-01 00:00:00', '2026-01-01 00:00:00', '2026-01-01 00:00:00')")
            conn.execute("INSERT INTO note_images (note_id, position, key, width, height) VALUES (1, 0, 'k', 10, 10)")
            conn.execute("INSERT INTO likes (user_id, note_id, created_at) VALUES (1, 1, '2026-01-01 00:00:00')")
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        with sqlite3.connect(path) as conn:
            tables = ("notes", "note_images", "likes")
            counts = [conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables]  # noqa: S608
            assert counts == [1, 1, 1]
            assert conn.execute("PRAGMA foreign_key_list(notes)").fetchall()  # the product FK is there
            assert conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'uq_users_username_lower'").fetchone()
        assert runner.invoke(args=["db", "downgrade", "0002"]).exit_code == 0
        with sqlite3.connect(path) as conn:
            assert conn.execute("SELECT COUNT(*) FROM note_images").fetchone()[0] == 1
    finally:
        with app.app_context():
            db.engine_for_app.dispose()
