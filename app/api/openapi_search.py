"""OpenAPI paths and schemas for search and suggestions."""

from __future__ import annotations

from app.api.openapi import operation, ref
from app.api.openapi_notes import NULLABLE_STRING, PAGING, page_of, query

HIGHLIGHTS = {
    "type": "object", "required": ["title", "snippet"],
    "description": "HTML: the text escaped, the words that matched in <mark>; the snippet is a window of the "
                   "body, description or bio around the first match",
    "properties": {"title": {"type": "string"}, "snippet": {"type": "string"}},
}
CENTS = {"type": "integer", "minimum": 0}

SCHEMAS = {
    "SearchItem": {
        "description": "A note (NoteSummary), a product (Product) or a person (UserSummary with id and bio), "
                       "by `type`; each with `id`, `title` (note title, product name, display name) and highlights.",
        "type": "object",
        "required": ["id", "title", "highlights"],
        "properties": {"id": {"type": "integer"}, "title": {"type": "string"}, "highlights": HIGHLIGHTS},
    },
    "SearchPage": page_of(ref("SearchItem"), query={"type": "string", "description": "the query as read"},
                          did_you_mean={**NULLABLE_STRING, "description": "a respelling that finds something, "
                                                                           "when this query found nothing"}),
    "Suggestions": {
        "type": "object", "required": ["items"],
        "properties": {"items": {"type": "array", "items": {
            "type": "object", "required": ["text", "type"],
            "properties": {"text": {"type": "string"}, "type": {"type": "string", "enum": ["tag", "product", "user"]},
                           "id": {"type": ["integer", "null"]}}}}},
    },
}

PATHS = {
    "/api/v1/search": {"get": operation(
        "Search notes, products or people (Traditional and Simplified Chinese alike)", response=ref("SearchPage"),
        errors=(400,), parameters=[
            query("q", {"type": "string", "maxLength": 10000},
                  "words to find; #tag matches a tag; nothing else is syntax (read up to 200 characters)"),
            query("type", {"type": "string", "enum": ["notes", "products", "users"], "default": "notes"}),
            query("sort", {"type": "string", "enum": ["relevance", "newest", "liked", "sales", "price_asc",
                                                       "price_desc", "followers"], "default": "relevance"},
                  "notes: relevance, newest, liked; products: relevance, newest, sales, price_asc, price_desc; "
                  "users: relevance, followers, newest"),
            query("tag", {"type": "string"}, "notes with this tag"),
            query("min_price_cents", CENTS, "notes and products: lowest price of the (linked) product"),
            query("max_price_cents", CENTS, "notes and products: highest price of the (linked) product"),
            query("in_stock", {"type": "boolean"}, "products in stock only"),
            query("verified", {"type": "boolean"}, "notes by people who bought the product they review"),
            *PAGING,
        ])},
    "/api/v1/search/suggest": {"get": operation(
        "Suggestions as you type: tags, products and people", response=ref("Suggestions"),
        parameters=[query("q", {"type": "string"})])},
}
