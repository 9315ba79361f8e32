"""Bad input at the API: schemathesis drives every operation of /api/v1/openapi.json, anonymously
and with a real bearer token of a user who owns a shop, a product, a note, a comment and a sale.

Checks on every response: no 5xx, the status code is documented, the content type is the
documented one, and the body matches the documented schema. A failure here is a bug in the app
or in the OpenAPI document (app/api/openapi*.py), never something to silence in this file.

Bounded and reproducible: a fixed number of examples per operation, derandomized, so CI runs
the same cases every time on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import zlib

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.api.openapi import document

# The document is static (built from app/api/openapi*.py without an app), so the operations can be
# listed at collection time: one test per operation, each on a freshly cleaned database.
# test_served_document_is_the_one_tested proves it is what /api/v1/openapi.json serves.
schema = schemathesis.openapi.from_dict(document())

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# Ids and names of the seeded rows by path parameter name, filled by the `world` fixture.
SEEDED: dict[str, list] = {}


SHIPPING = {"name": "王小明", "phone": "0912345678", "address": "台北市信義區松仁路100號"}


@pytest.fixture
def world(app, make_user, make_product, make_note, api_token, client, monkeypatch):
    """owner sells a product, wrote a note about it, has a comment on it from buyer and a pending sale
    to buyer; owner also has a pending purchase from buyer's shop. Cases act as owner."""
    # Hundreds of register/token cases would otherwise spend themselves on 429 (documented on those
    # operations and tested in test_auth_api); a high limit lets every case reach the handler.
    monkeypatch.setitem(app.config, "API_AUTH_RATE_LIMIT", "100000 per minute")
    make_user("owner")
    make_user("buyer")
    product_id = make_product("owner", images=1)
    other_product_id = make_product("buyer", name="登山杖")
    note_id = make_note("owner", title="保溫杯開箱", tags="露營", product_id=product_id, rating=5)
    owner, buyer = api_token("owner"), api_token("buyer")
    comment = client.post(f"/api/v1/notes/{note_id}/comments", headers=_bearer(buyer), json={"body": "好用嗎？"})
    assert comment.status_code == 201, comment.get_json()
    orders = [client.post("/api/v1/orders", headers=_bearer(token), json={"product": product, "shipping": SHIPPING})
              for token, product in ((buyer, product_id), (owner, other_product_id))]
    assert [o.status_code for o in orders] == [201, 201], [o.get_json() for o in orders]
    SEEDED.clear()
    SEEDED.update(note_id=[note_id], product_id=[product_id, other_product_id],
                  comment_id=[comment.get_json()["id"]], order_id=[o.get_json()["id"] for o in orders],
                  username=["owner", "buyer"], name=["露營"])
    yield {"token": owner}
    SEEDED.clear()


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@schema.parametrize()
# max_examples bounds the random (fuzzing) phase; the coverage phase adds its fixed set of boundary
# and invalid values on top. `world` is rebuilt per operation, not per case: the health check would
# flag that, but the cases of one operation are meant to share (and mutate) the same rows.
@settings(max_examples=10, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api_conforms_to_its_document(case, app, world):
    """Each case anonymously (a 401 where a token is needed, never a 5xx), then as owner."""
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    path_parameters = dict(case.path_parameters or {})
    for auth in ({}, {"Authorization": f"Bearer {world['token']}"}):
        case.headers, case.path_parameters = {**headers, **auth}, dict(path_parameters)
        response = case.call_and_validate(app=app, checks=CHECKS)
        if response.status_code == 404 and _aim_at_seeded_rows(case):
            case.call_and_validate(app=app, checks=CHECKS)


def _aim_at_seeded_rows(case) -> bool:
    """Generated ids rarely exist, and the coverage phase holds ids at one placeholder while it varies
    the body; a 404 there tells nothing about the body. So a case that found nothing is sent once more
    at a seeded row (picked from the case's own content, so a run is reproducible)."""
    aimed = {name: values[zlib.crc32(repr((case.body, case.query)).encode()) % len(values)]
             for name, values in SEEDED.items() if name in (case.path_parameters or {})}
    if not aimed or all(case.path_parameters[name] == value for name, value in aimed.items()):
        return False
    case.path_parameters = {**case.path_parameters, **aimed}
    return True


def test_served_document_is_the_one_tested(client):
    assert client.get("/api/v1/openapi.json").get_json() == document()
