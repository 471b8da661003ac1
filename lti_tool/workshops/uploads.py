"""Uploaded files: size limit, an allow-list checked by extension AND content, random stored names
under the instance folder, and downloads that never let a browser run what a participant sent.

Files live in `<instance>/uploads/<workshop id>/<random hex>`: never under the sender's name (no
path tricks, no overwriting, nothing guessable), never under `static/` (nothing served without an
authorization check). The original name is kept only in the database, for display and for the
download's Content-Disposition.
"""

from __future__ import annotations

import os
import secrets
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import abort, current_app, send_file

from ..downloads import content_disposition
from ..i18n import PUNCT, t
from .forms import field_error

CHUNK = 64 * 1024
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word/Excel/PowerPoint 97-2003
ZIP = (b"PK\x03\x04", b"PK\x05\x06")


class UploadError(Exception):
    """A rejected upload; `status` is 413 (too large) or 400, `message` is in the page's language and
    names the field."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _ooxml(folder: str) -> Callable[[Path, bytes], bool]:
    """docx/xlsx/pptx are zip files with a content-types part and their own top folder."""

    def check(path: Path, head: bytes) -> bool:
        if not head.startswith(ZIP[0]):
            return False
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return False
        return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)

    return check


def _zip(path: Path, head: bytes) -> bool:
    if not head.startswith(ZIP):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    return True


def _text(path: Path, head: bytes) -> bool:
    """Plain text in UTF-8 or GB18030 (what Chinese Windows Notepad saves), no NUL bytes."""
    data = path.read_bytes()
    if b"\x00" in data:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def _magic(*prefixes: bytes) -> Callable[[Path, bytes], bool]:
    return lambda path, head: head.startswith(prefixes)


def _mp4(path: Path, head: bytes) -> bool:
    return len(head) >= 12 and head[4:8] == b"ftyp"


@dataclass(frozen=True)
class FileType:
    mimetype: str
    sniff: Callable[[Path, bytes], bool]


# The documents teachers hand in (lesson plans, slides, spreadsheets, scans, lesson recordings);
# nothing executable, no HTML/SVG (both could carry scripts).
ALLOWED: dict[str, FileType] = {
    "pdf": FileType("application/pdf", _magic(b"%PDF-")),
    "doc": FileType("application/msword", _magic(OLE2)),
    "xls": FileType("application/vnd.ms-excel", _magic(OLE2)),
    "ppt": FileType("application/vnd.ms-powerpoint", _magic(OLE2)),
    "docx": FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ooxml("word/")),
    "xlsx": FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ooxml("xl/")),
    "pptx": FileType("application/vnd.openxmlformats-officedocument.presentationml.presentation", _ooxml("ppt/")),
    "jpg": FileType("image/jpeg", _magic(b"\xff\xd8\xff")),
    "jpeg": FileType("image/jpeg", _magic(b"\xff\xd8\xff")),
    "png": FileType("image/png", _magic(b"\x89PNG\r\n\x1a\n")),
    "mp4": FileType("video/mp4", _mp4),
    "txt": FileType("text/plain", _text),
    "zip": FileType("application/zip", _zip),
}


@dataclass(frozen=True)
class StoredFile:
    name: str  # cleaned original name, for display and download
    stored: str  # random name on disk
    size: int


def max_bytes() -> int:
    return int(current_app.config["UPLOAD_MAX_BYTES"])


def limit_text() -> str:
    mb = max_bytes() / (1024 * 1024)
    return f"{mb:g} MB" if mb >= 1 else f"{max_bytes()} bytes"


def too_large_message(field: str = "file") -> str:
    return field_error(field, f"文件太大，上限 {limit_text()}", f"the file is too large (limit {limit_text()})")


def not_allowed_message(field: str = "file") -> str:
    allowed = ", ".join(sorted(ALLOWED))
    return field_error(field, f"不支持的文件类型（允许：{allowed}）", f"file type not allowed (allowed: {allowed})")


@dataclass(frozen=True)
class BrowserCheck:
    """What a file input carries for static/upload_check.js, which refuses a file too large or of a
    type not allowed before anything is sent: on a weak line a 20 MB video took minutes to upload
    only to be refused. The messages are the server's own, in the page's language; the server's
    checks stay the authority (no JavaScript, an old browser, a hand-made request)."""

    accept: str  # ".pdf,.doc,…": the picker offers these, and the script checks the name against them
    max_bytes: int
    too_large: str
    not_allowed: str
    # What to do next, after any refusal of the file: the script stops the submit once, so a second
    # press sends the answer without a file (as the page the server brings back does).
    again: str


def browser_check(field: str = "file") -> BrowserCheck:
    again = PUNCT.semicolon + t("请另选文件，或不选文件再点“提交”",
                                "choose another file, or press Submit again without one")
    return BrowserCheck(accept=",".join("." + ext for ext in ALLOWED), max_bytes=max_bytes(),
                        too_large=too_large_message(field) + again, not_allowed=not_allowed_message(field) + again,
                        again=again)


def clean_name(raw: str | None) -> str:
    """The sender's file name without folders or control characters, at most 200 characters
    (the extension kept). Only ever shown escaped and sent RFC 5987-encoded."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.strip().strip(".") or "file"
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 199 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else name[:200]
    return name


def extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def upload_folder(workshop_id: int) -> Path:
    return Path(current_app.instance_path) / "uploads" / str(int(workshop_id))


def stored_path(workshop_id: int, stored: str) -> Path:
    if not stored or not all(c in "0123456789abcdef" for c in stored):
        raise FileNotFoundError(stored)  # stored names are ours (hex); anything else is not a file of ours
    return upload_folder(workshop_id) / stored


def save_upload(stream: IO[bytes], filename: str | None, workshop_id: int, field: str = "file") -> StoredFile:
    """Stream to a random name, counting bytes; then check the type by extension and content.
    Raises UploadError (and leaves nothing on disk) when the file is too large or not allowed."""
    name = clean_name(filename)
    ext = extension(name)
    if ext not in ALLOWED:
        raise UploadError(400, not_allowed_message(field))
    folder = upload_folder(workshop_id)
    folder.mkdir(parents=True, exist_ok=True)
    stored = secrets.token_hex(16)
    path = folder / stored
    limit = max_bytes()
    size = 0
    head = b""
    try:
        # O_EXCL: a random name that somehow exists is never overwritten.
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise UploadError(413, too_large_message(field))
                if len(head) < 16:
                    head += chunk[: 16 - len(head)]
                out.write(chunk)
        if size == 0:
            raise UploadError(400, field_error(field, "文件是空的", "the file is empty"))
        if not ALLOWED[ext].sniff(path, head):
            raise UploadError(400, field_error(field, f"文件内容与类型 .{ext} 不符",
                                               f"the content is not a real .{ext} file"))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StoredFile(name=name, stored=stored, size=size)


def remove_upload(workshop_id: int, stored: str | None) -> None:
    if stored:
        try:
            stored_path(workshop_id, stored).unlink(missing_ok=True)
        except FileNotFoundError:
            pass


def send_upload(workshop_id: int, stored: str, name: str) -> Any:
    """The file as an attachment with its original name, a type from our allow-list only, and
    nosniff so no browser renders it as HTML."""
    try:
        path = stored_path(workshop_id, stored)
    except FileNotFoundError:
        path = None
    if path is None or not path.is_file():
        abort(404)
    file_type = ALLOWED.get(extension(name))
    mimetype = file_type.mimetype if file_type else "application/octet-stream"
    response = send_file(path, mimetype=mimetype, max_age=0)
    # The name as sent, its ASCII fallback with the extension kept ("____.pdf").
    response.headers["Content-Disposition"] = content_disposition(name, name or "file")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
