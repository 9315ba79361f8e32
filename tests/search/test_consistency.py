"""The index follows the database: outbox rows in the same transaction as the change, one drain
at a time across processes, atomic rebuilds, verify and repair, and a writer killed mid-commit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app.db import db, write_transaction
from app.notes.models import Note
from app.search import outbox
from app.search.index import SearchIndex
from app.search.models import SearchOutbox
from app.search.service import search

ROOT = Path(__file__).resolve().parents[2]


def found(app, q: str, kind: str = "notes") -> list[int]:
    with app.app_context():
        page = search(db.session, None, q, kind=kind, limit=50)
        return [getattr(hit.item, "note", hit.item).id for hit in page.items]


def queued(app) -> list[tuple[str, int]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(select(SearchOutbox.kind, SearchOutbox.doc_id)).all()]


def drain(app, **kwargs) -> int:
    with app.app_context():
        return outbox.drain(db.session, **kwargs)


def test_a_change_and_its_outbox_row_commit_together(app, make_user, make_note):
    author = make_user("writer")
    note_id = make_note(author, title="露營燈推薦", body="營地的晚上很暗，這盞燈很亮")
    assert ("notes", note_id) in queued(app)
    assert found(app, "露营灯") == []  # queued, not yet drained
    assert drain(app) >= 1
    assert found(app, "露营灯") == [note_id]
    assert queued(app) == []

    # A use case that fails after queuing leaves neither its change nor its outbox row.
    with app.app_context(), pytest.raises(RuntimeError), write_transaction(db.session):
        db.session.execute(update(Note).where(Note.id == note_id).values(title="改了"))
        outbox.mark_changed(db.session, "notes", [note_id])
        raise RuntimeError("the request failed half-way")
    assert queued(app) == []
    with app.app_context():
        assert db.session.get(Note, note_id).title == "露營燈推薦"


def test_a_write_request_is_searchable_when_it_returns(app, client, make_user, auth, make_note):
    make_user("poster")
    note_id = make_note("poster", title="咖啡地圖", body="巷子裡的咖啡館")
    drain(app)
    auth.login("poster")
    assert client.post(f"/notes/{note_id}/edit", data={"title": "抹茶地圖", "body": "京都的抹茶店", "tags": "抹茶"},
                       follow_redirects=False).status_code in (302, 303)
    assert found(app, "抹茶") == [note_id]
    assert found(app, "咖啡地图") == []
    assert queued(app) == []


def test_a_busy_index_leaves_the_work_queued_not_failed(app, client, make_user, auth, make_note):
    make_user("poster")
    note_id = make_note("poster", title="第一篇", body="內容")
    drain(app)
    auth.login("poster")
    index = SearchIndex(app.config["SEARCH_INDEX_DIR"])
    with index.exclusive() as held:  # another process is draining
        assert held
        response = client.post(f"/notes/{note_id}/edit", data={"title": "滑雪日記", "body": "北海道的雪", "tags": ""})
        assert response.status_code in (302, 303)
        assert ("notes", note_id) in queued(app)
        assert found(app, "滑雪") == []
    # The request also queued a drain job, which may be draining right now: wait for the lock.
    drain(app, wait=10.0)
    assert found(app, "滑雪") == [note_id]


def test_concurrent_drains_apply_every_change_once(app, make_user, make_note):
    make_user("many")
    ids = [make_note("many", title=f"筆記{i} 露營", body=f"第{i}天", images=1) for i in range(30)]
    waiting, applied = len(queued(app)), []

    def worker():
        applied.append(drain(app, wait=5.0))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(applied) == waiting == 31  # 30 notes and their author: each row applied by one drainer
    assert sorted(found(app, "露营")) == sorted(ids)
    with app.app_context():
        assert outbox.verify(db.session).total == 0


def test_reindex_swaps_in_a_new_generation_atomically(app, runner, make_user, make_note):
    make_user("builder")
    first = make_note("builder", title="舊的筆記", body="露營")
    index = SearchIndex(app.config["SEARCH_INDEX_DIR"])
    drain(app)
    before = index.current_dir()
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "1 notes" in result.output and "1 users" in result.output
    after = index.current_dir()
    assert after != before and (Path(app.config["SEARCH_INDEX_DIR"]) / "current").is_symlink()
    assert found(app, "露营") == [first]
    # Once more: the generation before last is removed, the last one kept for searchers still on it.
    runner.invoke(args=["search", "reindex"])
    generations = sorted(p.name for p in Path(app.config["SEARCH_INDEX_DIR"]).glob("gen-*"))
    assert len(generations) == 2 and before.name not in generations


def test_verify_reports_and_repairs_drift(app, runner, make_user, make_note, make_product):
    make_user("drifter")
    kept, stale = make_note("drifter", title="保溫杯", body="很保溫"), make_note("drifter", title="帳篷", body="防水")
    product = make_product("drifter", name="登山杖")
    drain(app)
    index = SearchIndex(app.config["SEARCH_INDEX_DIR"])
    index.apply("products", [], deletes=[product])  # lost from the index
    index.apply("notes", [{"id": 999, "title": "幽靈筆記", "digest": "x"}], deletes=[])  # not in the database
    with app.app_context(), write_transaction(db.session):  # changed behind the outbox's back
        db.session.execute(update(Note).where(Note.id == stale).values(title="天幕"))

    report = runner.invoke(args=["search", "verify", "--dry-run"])
    assert report.exit_code == 1
    assert f"missing products: 1 ({product})" in report.output
    assert f"stale notes: 1 ({stale})" in report.output
    assert "extra notes: 1 (999)" in report.output
    assert found(app, "幽灵") == []  # in the index, but turned back into rows it is nothing

    repaired = runner.invoke(args=["search", "verify"])
    assert repaired.exit_code == 0 and "Repaired 3" in repaired.output
    assert runner.invoke(args=["search", "verify", "--dry-run"]).output.strip() == "The index matches the database."
    assert found(app, "天幕") == [stale] and found(app, "登山杖", kind="products") == [product]
    assert found(app, "保温杯") == [kept]


def test_drain_command_reports_what_is_left(app, runner, make_user, make_note):
    make_user("cli")
    make_note("cli", title="一", body="二")
    result = runner.invoke(args=["search", "drain"])
    assert result.exit_code == 0 and result.output.startswith("Applied ")
    assert "0 waiting" in result.output


KILLER = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {root!r})
    from config import TestingConfig
    from app import create_app
    from app.db import db
    from app.search import outbox
    import whoosh.index
    import whoosh.filedb.filestore

    config = TestingConfig()
    config.DATABASE_URL = {database!r}
    config.SEARCH_INDEX_DIR = {index!r}
    app = create_app(config)

    def die(*args, **kwargs):
        sys.stdout.write("dying\\n"); sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    if {point!r} == "before_toc":  # segment files written, table of contents not
        whoosh.index.TOC.write = die
    else:  # the new table of contents written to a temp file, not yet renamed into place
        whoosh.filedb.filestore.FileStorage.rename_file = die
    with app.app_context():
        outbox.drain(db.session)
""")


@pytest.mark.parametrize("point", ["before_toc", "during_toc_rename"])
def test_a_writer_killed_mid_commit_loses_nothing(app, make_user, make_note, point):
    make_user("crash")
    survivors = [make_note("crash", title=f"舊筆記{i}", body="登山") for i in range(3)]
    drain(app)
    fresh = [make_note("crash", title=f"新筆記{i}", body="露營裝備") for i in range(5)]
    with app.app_context():
        outbox.mark_changed(db.session, "notes", survivors)  # re-indexing old ones too
        db.session.commit()
    script = KILLER.format(root=str(ROOT), database=app.config["DATABASE_URL"],
                           index=app.config["SEARCH_INDEX_DIR"], point=point)
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert process.returncode == -signal.SIGKILL, process.stderr
    assert "dying" in process.stdout

    # The index still opens and answers from its last good commit; the outbox kept the work.
    assert sorted(found(app, "登山")) == sorted(survivors)
    assert found(app, "露营装备") == []
    assert {doc_id for _kind, doc_id in queued(app)} >= set(fresh)
    # The lock died with the process; the next drain applies everything, and verify agrees.
    drain(app)
    assert sorted(found(app, "露营装备")) == sorted(fresh)
    with app.app_context():
        assert outbox.verify(db.session).total == 0
