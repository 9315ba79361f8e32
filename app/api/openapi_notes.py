"""OpenAPI paths and schemas for notes, the social graph, notifications and moderation."""

from __future__ import annotations

from app.api.openapi import json_content, operation, ref

NULLABLE_STRING = {"type": ["string", "null"]}
ID = {"type": "integer"}


def path_param(name: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema or {"type": "string"}}


def query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


PAGING = [query("limit", {"type": "integer", "minimum": 1, "maximum": 50}),
          query("cursor", {"type": "string"}, "next_cursor of the previous page")]


def page_of(item: dict, **extra) -> dict:
    return {"type": "object", "required": ["items", "next_cursor"],
            "properties": {"items": {"type": "array", "items": item}, "next_cursor": NULLABLE_STRING, **extra}}


SCHEMAS = {
    "Image": {"type": "object", "required": ["id", "url", "width", "height"],
              "properties": {"id": ID, "url": {"type": "string"}, "width": ID, "height": ID}},
    "NoteSummary": {
        "type": "object",
        "required": ["id", "title", "cover", "author", "like_count", "collect_count", "comment_count", "liked",
                     "collected", "is_draft", "published_at"],
        "properties": {
            "id": ID, "title": {"type": "string"},
            "cover": {"oneOf": [ref("Image"), {"type": "null"}]},
            "author": ref("UserSummary"),
            "like_count": ID, "collect_count": ID, "comment_count": ID,
            "liked": {"type": "boolean"}, "collected": {"type": "boolean"}, "is_draft": {"type": "boolean"},
            "published_at": NULLABLE_STRING, "product": {"type": ["integer", "null"]},
            "sponsored": {"type": "boolean", "description": "an ad: the author earns from the linked product"},
            "verified_purchase": {"type": "boolean", "description": "the author bought the linked product here"},
        },
    },
    "Note": {
        "type": "object",
        "required": ["id", "title", "body", "tags", "images", "author", "like_count", "collect_count",
                     "comment_count", "is_draft", "created_at"],
        "properties": {
            "id": ID, "title": {"type": "string"}, "body": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "images": {"type": "array", "items": ref("Image")},
            "author": ref("UserSummary"),
            "product": {"type": ["integer", "null"]}, "rating": {"type": ["integer", "null"]},
            "like_count": ID, "collect_count": ID, "comment_count": ID,
            "liked": {"type": "boolean"}, "collected": {"type": "boolean"}, "is_draft": {"type": "boolean"},
            "hidden_reason": NULLABLE_STRING,
            "created_at": {"type": "string"}, "updated_at": {"type": "string"}, "published_at": NULLABLE_STRING,
        },
    },
    "Comment": {
        "type": "object", "required": ["id", "body", "author", "parent_id", "created_at"],
        "properties": {"id": ID, "body": {"type": "string"}, "author": ref("UserSummary"),
                       "parent_id": {"type": ["integer", "null"]}, "created_at": {"type": "string"},
                       "replies": {"type": "array", "items": ref("Comment")}},
    },
    "Profile": {
        "type": "object",
        "required": ["username", "display_name", "bio", "followers", "following", "likes_and_collects",
                     "is_following"],
        "properties": {"username": {"type": "string"}, "display_name": {"type": "string"},
                       "avatar_url": NULLABLE_STRING, "bio": {"type": "string"}, "locale": {"type": "string"},
                       "created_at": {"type": "string"}, "followers": ID, "following": ID,
                       "likes_and_collects": ID, "is_following": {"type": "boolean"}},
    },
    "Notification": {
        "type": "object", "required": ["id", "kind", "actor", "read", "created_at"],
        "properties": {"id": ID, "kind": {"type": "string", "enum": ["follow", "like", "collect", "comment", "reply",
                                                                      "mention", "moderation"]},
                       "actor": {"oneOf": [ref("UserSummary"), {"type": "null"}]},
                       "note_id": {"type": ["integer", "null"]}, "comment_id": {"type": ["integer", "null"]},
                       "detail": NULLABLE_STRING, "read": {"type": "boolean"}, "created_at": {"type": "string"}},
    },
}

NOTE_MULTIPART = {
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["title", "images"],
        "properties": {
            "title": {"type": "string", "maxLength": 100}, "body": {"type": "string", "maxLength": 2000},
            "tags": {"type": "string", "description": "comma-separated"},
            "images": {"type": "array", "items": {"type": "string", "format": "binary"}, "minItems": 1,
                       "maxItems": 18},
            "product": {"type": "integer"}, "rating": {"type": "integer", "minimum": 1, "maximum": 5},
            "draft": {"type": "boolean"},
        }}}}
NOTE_PATCH = {"type": "object", "properties": {
    "title": {"type": "string"}, "body": {"type": "string"},
    "tags": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]},
    "image_order": {"type": "array", "items": ID, "description": "kept photo ids in their new order"},
    "draft": {"type": "boolean"}}}
NOTE_ID = [path_param("note_id", ID)]
USERNAME = [path_param("username")]
LIKED = {"type": "object", "required": ["liked", "like_count"],
         "properties": {"liked": {"type": "boolean"}, "like_count": ID}}
COLLECTED = {"type": "object", "required": ["collected", "collect_count"],
             "properties": {"collected": {"type": "boolean"}, "collect_count": ID}}
FOLLOWED = {"type": "object", "required": ["following", "followers"],
            "properties": {"following": {"type": "boolean"}, "followers": ID}}


def _with_multipart(op: dict) -> dict:
    op["requestBody"] = {"required": True, "content": NOTE_MULTIPART}
    return op


PATHS = {
    "/api/v1/notes": {"post": _with_multipart(operation(
        "Post a note with 1-18 photos (multipart)", ok=201, response=ref("Note"), auth=True, errors=(400, 413)))},
    "/api/v1/notes/{note_id}": {
        "get": operation("A note", response=ref("Note"), errors=(404,), parameters=NOTE_ID),
        "patch": {**operation("Edit your note (JSON, or multipart to add photos)", response=ref("Note"), auth=True,
                              errors=(400, 403, 404), parameters=NOTE_ID),
                  "requestBody": {"content": {**json_content(NOTE_PATCH), **NOTE_MULTIPART}}},
        "delete": operation("Delete your note", ok=204, auth=True, errors=(403, 404), parameters=NOTE_ID),
    },
    "/api/v1/notes/{note_id}/like": {
        "post": operation("Like (idempotent)", response=LIKED, auth=True, errors=(404,), parameters=NOTE_ID),
        "delete": operation("Unlike", response=LIKED, auth=True, errors=(404,), parameters=NOTE_ID),
    },
    "/api/v1/notes/{note_id}/collect": {
        "post": {**operation("Collect, optionally into a board", response=COLLECTED, auth=True, errors=(400, 404),
                             parameters=NOTE_ID),
                 "requestBody": {"required": False, "content": json_content(
                     {"type": "object", "properties": {"board_id": ID}})}},
        "delete": operation("Uncollect", response=COLLECTED, auth=True, errors=(404,), parameters=NOTE_ID),
    },
    "/api/v1/notes/{note_id}/comments": {
        "get": operation("Comments with their replies", response=ref("CommentPage"), errors=(404,),
                         parameters=NOTE_ID),
        "post": operation("Comment, or reply with parent_id", ok=201, response=ref("Comment"), auth=True,
                          errors=(400, 404), parameters=NOTE_ID,
                          body={"type": "object", "required": ["body"],
                                "properties": {"body": {"type": "string", "maxLength": 500}, "parent_id": ID}}),
    },
    "/api/v1/comments/{comment_id}": {"delete": operation(
        "Delete a comment (its author or the note's author)", ok=204, auth=True, errors=(403, 404),
        parameters=[path_param("comment_id", ID)])},
    "/api/v1/feed": {"get": operation(
        "Home (following, needs a token) or Discover, ranked by trust; items carry score and why",
        response=ref("RankedNotePage"), errors=(400, 401),
        parameters=[query("kind", {"type": "string", "enum": ["following", "discover"]}), *PAGING])},
    "/api/v1/tags/{name}/notes": {"get": operation("Notes with a tag", response=ref("NotePage"), errors=(400,),
                                                   parameters=[path_param("name"), *PAGING])},
    "/api/v1/users/{username}": {"get": operation("A profile with counts", response=ref("Profile"), errors=(404,),
                                                  parameters=USERNAME)},
    "/api/v1/users/{username}/notes": {"get": operation("A user's notes", response=ref("NotePage"),
                                                        errors=(400, 404), parameters=[*USERNAME, *PAGING])},
    "/api/v1/users/{username}/collections": {"get": operation(
        "Notes a user collected", response=ref("NotePage"), errors=(400, 404),
        parameters=[*USERNAME, query("board", ID), *PAGING])},
    "/api/v1/users/{username}/boards": {"get": operation(
        "A user's boards", errors=(404,), parameters=USERNAME,
        response=page_of({"type": "object", "properties": {"id": ID, "name": {"type": "string"},
                                                           "note_count": ID}}))},
    "/api/v1/boards": {"post": operation(
        "Create a board", ok=201, auth=True, errors=(400,),
        body={"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "maxLength": 40}}},
        response={"type": "object", "properties": {"id": ID, "name": {"type": "string"}}})},
    "/api/v1/users/{username}/followers": {"get": operation(
        "Followers", response=ref("UserPage"), errors=(400, 404), parameters=[*USERNAME, *PAGING])},
    "/api/v1/users/{username}/following": {"get": operation(
        "Following", response=ref("UserPage"), errors=(400, 404), parameters=[*USERNAME, *PAGING])},
    "/api/v1/users/{username}/follow": {
        "post": operation("Follow (idempotent)", response=FOLLOWED, auth=True, errors=(400, 404),
                          parameters=USERNAME),
        "delete": operation("Unfollow", response=FOLLOWED, auth=True, errors=(404,), parameters=USERNAME),
    },
    "/api/v1/notifications": {"get": operation(
        "Your notifications, newest first", auth=True, errors=(400,), parameters=PAGING,
        response=page_of(ref("Notification"), unread=ID))},
    "/api/v1/notifications/read": {"post": operation(
        "Mark notifications read (all, or up_to an id)", auth=True, errors=(400,),
        body={"type": "object", "properties": {"up_to": ID}},
        response={"type": "object", "properties": {"marked": ID, "unread": ID}})},
    "/api/v1/reports": {"post": operation(
        "Report a note or comment", ok=201, auth=True, errors=(400, 404),
        body={"type": "object", "required": ["target_type", "target_id", "reason"],
              "properties": {"target_type": {"type": "string", "enum": ["note", "comment"]}, "target_id": ID,
                             "reason": {"type": "string", "enum": ["spam", "fake_review", "undisclosed_ad",
                                                                   "harassment", "inappropriate", "other"]},
                             "detail": {"type": "string", "maxLength": 500}}},
        response={"type": "object", "properties": {"id": ID, "status": {"type": "string"}}})},
    "/api/v1/admin/reports": {"get": operation("Open reports (admins)", auth=True, errors=(403,),
                                               response=page_of({"type": "object"}))},
    "/api/v1/admin/hide": {"post": operation(
        "Hide a note or comment and tell its author why (admins)", ok=204, auth=True, errors=(400, 403, 404),
        body={"type": "object", "required": ["target_type", "target_id", "reason"],
              "properties": {"target_type": {"type": "string", "enum": ["note", "comment"]}, "target_id": ID,
                             "reason": {"type": "string", "maxLength": 300}}})},
    "/api/v1/admin/users/{username}/suspend": {"post": operation(
        "Suspend an account (admins)", ok=204, auth=True, errors=(400, 403, 404), parameters=USERNAME,
        body={"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}})},
}

SCHEMAS["NotePage"] = page_of(ref("NoteSummary"))
SCHEMAS["Reason"] = {
    "type": "object", "required": ["code", "text"],
    "properties": {"code": {"type": "string", "enum": ["new_creator", "followees_liked", "affinity", "following",
                                                       "author_bought", "verified_likers", "trusted_likers",
                                                       "trusted_author", "fresh", "recent"]},
                   "text": {"type": "string", "description": "in the language of Accept-Language"}}}
SCHEMAS["RankedNoteSummary"] = {"allOf": [ref("NoteSummary"), {
    "type": "object", "required": ["score", "why"],
    "properties": {"score": {"type": "number", "description": "the ranking score (higher ranks first)"},
                   "why": {"type": "array", "items": ref("Reason"), "description": "why you see this"}}}]}
SCHEMAS["RankedNotePage"] = page_of(ref("RankedNoteSummary"))
SCHEMAS["UserPage"] = page_of(ref("UserSummary"))
SCHEMAS["CommentPage"] = page_of(ref("Comment"))
