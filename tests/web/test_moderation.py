"""Reports, hiding and suspension: hidden content disappears for everyone but its author and admins."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.service import find_user, make_admin
from app.db import db
from app.moderation.models import Report
from app.social.models import Comment


@pytest.fixture
def setup(app, make_user, make_note):
    make_user("spammer", display_name="水軍")
    make_user("reporter")
    make_user("mod")
    with app.app_context():
        make_admin(db.session, "mod")
    return make_note("spammer", title="超便宜代購快私訊")


def as_user(app, username):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": "correct horse battery"}).status_code == 302
    return client


def test_report_hide_and_the_author_is_told_why(app, setup, api_token):
    note_id = setup
    reporter, mod, spammer, visitor = (as_user(app, "reporter"), as_user(app, "mod"), as_user(app, "spammer"),
                                       app.test_client())
    reporter.post("/report", data={"target_type": "note", "target_id": note_id, "reason": "spam"})
    reporter.post("/report", data={"target_type": "note", "target_id": note_id, "reason": "spam"})  # counted once
    with app.app_context():
        assert len(db.session.scalars(select(Report)).all()) == 1
    assert reporter.get("/admin/reports").status_code == 403
    queue = mod.get("/admin/reports").get_data(as_text=True)
    assert "超便宜代購快私訊" in queue
    assert mod.post("/admin/hide", data={"target_type": "note", "target_id": note_id, "reason": ""}).status_code == 400
    mod.post("/admin/hide", data={"target_type": "note", "target_id": note_id, "reason": "廣告洗版"})
    assert 'data-testid="no-reports"' in mod.get("/admin/reports").get_data(as_text=True)

    for client in (visitor, reporter):
        assert client.get(f"/notes/{note_id}").status_code == 404
        assert "超便宜代購快私訊" not in client.get("/discover").get_data(as_text=True)
        assert "超便宜代購快私訊" not in client.get("/u/spammer").get_data(as_text=True)
    token = api_token("reporter")
    assert app.test_client().get(f"/api/v1/notes/{note_id}", headers={"Authorization": f"Bearer {token}"}
                                 ).status_code == 404
    own = spammer.get(f"/notes/{note_id}").get_data(as_text=True)
    assert "廣告洗版" in own  # the author sees it, with the reason
    assert "廣告洗版" in spammer.get("/notifications").get_data(as_text=True)
    assert mod.get(f"/notes/{note_id}").status_code == 200


def test_hidden_comment_disappears_for_others(app, setup):
    note_id = setup
    reporter, mod = as_user(app, "reporter"), as_user(app, "mod")
    spammer = as_user(app, "spammer")
    spammer.post(f"/notes/{note_id}/comments", data={"body": "加我微信"})
    with app.app_context():
        comment_id = db.session.scalars(select(Comment)).one().id
    mod.post("/admin/hide", data={"target_type": "comment", "target_id": comment_id, "reason": "引流"})
    # The note itself is fine, the comment is gone for readers but shown to its author with the reason.
    assert "加我微信" not in reporter.get(f"/notes/{note_id}").get_data(as_text=True)
    assert "引流" in spammer.get(f"/notes/{note_id}").get_data(as_text=True)


def test_suspension_logs_out_blocks_login_and_hides_content(app, setup, api_token):
    note_id = setup
    token = api_token("spammer")
    spammer, mod, visitor = as_user(app, "spammer"), as_user(app, "mod"), app.test_client()
    assert mod.post("/admin/suspend/mod", data={"reason": "x"}).status_code == 400  # not yourself
    assert as_user(app, "reporter").post("/admin/suspend/spammer", data={"reason": "x"}).status_code == 403
    mod.post("/admin/suspend/spammer", data={"reason": "集體刷讚"})
    assert spammer.get("/settings/profile").status_code == 302  # logged out
    login = visitor.post("/login", data={"username": "spammer", "password": "correct horse battery"})
    assert login.status_code == 403 and "集體刷讚" in login.get_data(as_text=True)
    assert visitor.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert visitor.get(f"/notes/{note_id}").status_code == 404
    assert visitor.get("/u/spammer").status_code == 404
    with app.app_context():
        assert find_user(db.session, "spammer").suspended_at is not None


def test_admin_cli_and_queue_needs_admin(app, runner, make_user):
    make_user("future_mod")
    client = as_user(app, "future_mod")
    assert client.get("/admin/reports").status_code == 403
    assert runner.invoke(args=["users", "make-admin", "future_mod"]).exit_code == 0
    assert client.get("/admin/reports").status_code == 200
