"""Import and export of the portable JSON Lines format, all or nothing."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.passwords import hasher
from app.data import media_io
from app.data.records import ISO_Z, ImportContext, RecordType
from app.data.types import RECORD_TYPES
from app.db import utcnow, write_transaction

MAX_ERRORS = 100
BATCH_SIZE = 5_000


@dataclass
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ImportFailed(Exception):
    def __init__(self, errors: list[LineError]):
        self.errors = errors
        super().__init__(f"{len(errors)} error(s)")


@dataclass
class ImportReport:
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _kind_ok(value, kind) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        return False  # JSON true is not a number
    if isinstance(value, list) and list in kinds:
        return all(isinstance(item, str) for item in value)
    return isinstance(value, kinds)


def _check_fields(rtype: RecordType, record: dict, base_dir: Path) -> list[str]:
    errors = []
    for spec in rtype.fields:
        if spec.name not in record or (record[spec.name] is None and not spec.required):
            if spec.required:
                errors.append(f"{rtype.name} record needs the field {spec.name!r}")
            continue
        value = record[spec.name]
        if not _kind_ok(value, spec.kind):
            errors.append(f"field {spec.name!r} has the wrong kind of value")
        elif spec.media:
            errors.extend(media_io.check_paths(base_dir, value if isinstance(value, list) else [value]))
    if isinstance(record.get("created_at"), str) and not ISO_Z.match(record["created_at"]):
        errors.append("created_at must be ISO 8601 in UTC, like 2026-11-01T08:30:00Z")
    return errors


def _validate(lines, base_dir: Path, progress) -> tuple[dict[str, list[dict]], list[LineError], list]:
    records: dict[str, list[dict]] = defaultdict(list)
    errors: list[LineError] = []
    seen: dict[str, dict[str, int]] = defaultdict(dict)
    unresolved: list[tuple[int, str, str]] = []  # line, type, key not defined earlier in the file
    for number, line in enumerate(lines, start=1):
        progress(1)
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            errors.append(LineError(number, f"not valid JSON ({exc.msg})"))
            continue
        if not isinstance(record, dict):
            errors.append(LineError(number, "a line must be a JSON object"))
            continue
        rtype = RECORD_TYPES.get(record.get("type"))
        if rtype is None:
            errors.append(LineError(number, f"unknown record type {record.get('type')!r}"))
            continue
        problems = _check_fields(rtype, record, base_dir)
        if not problems:
            problems = rtype.check(record)
        if problems:
            errors.extend(LineError(number, message) for message in problems)
            continue
        key = rtype.key(record)
        if key is not None:
            if key in seen[rtype.name]:
                first = seen[rtype.name][key]
                errors.append(LineError(number, f"duplicate {rtype.name} {key!r} (first on line {first})"))
                continue
            seen[rtype.name][key] = number
        for ref_type, ref_key in rtype.refs(record):
            if ref_key not in seen[ref_type]:
                unresolved.append((number, ref_type, ref_key))
        record["_line"] = number
        records[rtype.name].append(record)
        if len(errors) >= MAX_ERRORS:
            break
    return records, errors, unresolved


def _check_against_database(session: Session, records, unresolved, errors, ctx: ImportContext) -> None:
    for name, rtype in RECORD_TYPES.items():
        keys = {rtype.key(r) for r in records.get(name, ())} - {None}
        if keys:
            for key in rtype.existing_keys(session, keys):
                line = next(r["_line"] for r in records[name] if rtype.key(r) == key)
                errors.append(LineError(line, f"{name} {key!r} already exists in the database"))
    wanted: dict[str, set[str]] = defaultdict(set)
    for _line, ref_type, ref_key in unresolved:
        wanted[ref_type].add(ref_key)
    for ref_type, keys in wanted.items():
        if ref_type in RECORD_TYPES:
            ctx.ids.setdefault(ref_type, {}).update(RECORD_TYPES[ref_type].existing_keys(session, keys))
    for line, ref_type, ref_key in unresolved:
        if ref_key not in ctx.ids.get(ref_type, {}):
            errors.append(LineError(line, f"refers to {ref_type} {ref_key!r}, which is not defined before this line"))
    for rtype in RECORD_TYPES.values():
        errors.extend(LineError(line, message) for line, message in rtype.check_links(ctx, records))


def _hash_plain_passwords(user_records: list[dict]) -> None:
    """Argon2 releases the GIL, so the one slow field is hashed on every core, before the lock."""
    plain = [r for r in user_records if "password" in r]
    if not plain:
        return
    ph = hasher()
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for record, password_hash in zip(plain, pool.map(ph.hash, (r["password"] for r in plain)), strict=True):
            record["password_hash"] = password_hash
            del record["password"]


def import_file(session: Session, path: Path, *, progress: Callable[[int], None] = lambda n: None) -> ImportReport:
    path = Path(path)
    with path.open(encoding="utf-8") as lines:
        records, errors, unresolved = _validate(lines, path.parent, progress)
    ctx = ImportContext(session=session, base_dir=path.parent, now=utcnow())
    if len(errors) < MAX_ERRORS:
        _check_against_database(session, records, unresolved, errors, ctx)
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: e.line)[:MAX_ERRORS])
    _hash_plain_passwords(records.get("user", []))
    try:
        for name, rtype in RECORD_TYPES.items():
            if records.get(name):
                rtype.prepare(ctx, records[name])
        with write_transaction(session):
            for name, rtype in RECORD_TYPES.items():
                batch = records.get(name, [])
                for start in range(0, len(batch), BATCH_SIZE):
                    rtype.insert(ctx, batch[start:start + BATCH_SIZE])
                    progress(len(batch[start:start + BATCH_SIZE]))
    except IntegrityError as exc:
        media_io.discard(ctx)
        raise ImportFailed([LineError(0, f"conflicts with data already in the database: {exc.orig}")]) from exc
    except BaseException:
        media_io.discard(ctx)
        raise
    from app.data import hooks

    hooks.after_import(session)
    return ImportReport({name: len(batch) for name, batch in records.items() if batch})


def count_lines(path: Path) -> int:
    with Path(path).open("rb") as handle:
        return sum(1 for _ in handle)


def export_dir(session: Session, out_dir: Path, *, progress: Callable[[int], None] = lambda n: None) -> Path:
    out_dir = Path(out_dir)
    media_dir = out_dir / "media"
    media_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "data.jsonl"
    temporary = out_dir / ".data.jsonl.tmp"
    with temporary.open("w", encoding="utf-8") as handle:
        for rtype in RECORD_TYPES.values():
            for record in rtype.export(session, media_dir):
                handle.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
                progress(1)
    os.replace(temporary, target)
    return target
