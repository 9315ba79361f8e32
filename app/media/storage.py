"""Where image bytes live. A small interface so a cloud bucket can replace the local disk later."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

# A leading dot is refused too: it keeps ".." out, and the temp files below can never be served.
_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")


def is_valid_name(name: str) -> bool:
    return bool(_NAME.fullmatch(name)) and ".." not in name and len(name) <= 200


class Storage(Protocol):
    def save(self, name: str, data: bytes) -> None: ...

    def open(self, name: str) -> bytes: ...

    def delete(self, name: str) -> None: ...

    def exists(self, name: str) -> bool: ...

    def path(self, name: str) -> Path | None:
        """A local file to stream from, or None when the backend has no filesystem."""
        ...


class LocalStorage:
    def __init__(self, root: Path):
        self.root = Path(root)

    def _file(self, name: str) -> Path:
        if not is_valid_name(name):
            raise ValueError(f"invalid storage name: {name!r}")
        return self.root / name

    def save(self, name: str, data: bytes) -> None:
        target = self._file(name)
        self.root.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half a file and a crash leaves no partial one.
        fd, temp_name = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as temp_file:
                temp_file.write(data)
            os.chmod(temp_name, 0o644)  # mkstemp creates 0600; the web server may run as another user
            os.replace(temp_name, target)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise

    def open(self, name: str) -> bytes:
        return self._file(name).read_bytes()

    def delete(self, name: str) -> None:
        self._file(name).unlink(missing_ok=True)

    def exists(self, name: str) -> bool:
        return self._file(name).is_file()

    def path(self, name: str) -> Path | None:
        return self._file(name)


def get_storage(app) -> Storage:
    storage = app.extensions.get("media_storage")
    if storage is None:
        storage = app.extensions["media_storage"] = LocalStorage(Path(app.config["MEDIA_DIR"]))
    return storage
