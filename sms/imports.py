"""CSV import of contacts (row by row: a failed row imports nothing, errors are reported per row) and streamed
import of suppression lists (the national do-not-call list is large: read line by line, insert in batches).

An uploaded contact file is read by `decode_upload` before any row: the encoding is detected (UTF-8 with or
without BOM, UTF-16 with BOM or by its zero bytes, else Windows-1258 — Vietnamese with combining tone marks, as
old Vietnamese Excel saves it — or Windows-1252), and what is no text (an image, a PDF, a spreadsheet) is refused
with `ImportFileError` and a code the page turns into a readable reason. Every field is cleaned like form input
(`signage.text`: NFC, control characters such as NUL removed) and capped (`FIELD_LIMITS`): a longer field is that
row's error, never a crash of the job. `import_contacts_upload` is the RQ job: it never raises for a bad file, it
answers {"error": code, ...} so the status page can say what went wrong."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from rq import get_current_job
from sqlalchemy import select

from signage.extensions import db
from signage.languages import configured_codes
from signage.models import Region
from signage.text import clean, clean_line
from signage.timeutil import utcnow
from sms import uploads
from sms.models import ConsentRecord, Contact, SuppressionEntry
from sms.phones import InvalidPhone, normalize_phone, try_normalize

CONTACT_COLUMNS = ("phone", "name", "language", "kind", "region", "tags", "arrival", "departure",
                   "consent_source", "consent_text")
#: The longest value each column may hold (characters); a longer one is an error of its row.
FIELD_LIMITS = {"phone": 40, "name": 200, "language": 8, "kind": 20, "region": 64, "tags": 500, "arrival": 20,
                "departure": 20, "consent_source": 40, "consent_text": 2000}
OTHER_FIELD_LIMIT = 200
#: The first bytes of files people upload by mistake instead of a CSV, and what to call them.
MAGIC = ((b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF8", "GIF"), (b"%PDF", "PDF"),
         (b"PK\x03\x04", "ZIP/XLSX"), (b"\xd0\xcf\x11\xe0", "XLS"), (b"RIFF", "RIFF"), (b"\x1a\x45\xdf\xa3", "WebM"),
         (b"\x1f\x8b", "GZIP"))
#: Windows-1258 writes Vietnamese tone marks as combining characters after the letter (these bytes); read as
#: Windows-1252 they would be letters (Ì Ò Þ ì ò).
CP1258_TONE_BYTES = frozenset(b"\xcc\xd2\xde\xec\xf2")
_TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
VIETNAMESE_LETTERS = frozenset(
    unicodedata.normalize("NFC", base + tone) for vowel in "aăâeêioôơuưy" for base in (vowel, vowel.upper())
    for tone in _TONES) | frozenset("đĐ")


class ImportFileError(ValueError):
    """The upload is not a CSV this import can read. code: binary (kind: what it looks like) | no_phone_column."""

    def __init__(self, code: str, kind: str = ""):
        super().__init__(code)
        self.code, self.kind = code, kind


def decode_upload(data: bytes) -> tuple[str, str]:
    """(text, encoding) of an uploaded CSV, or ImportFileError when it is no text."""
    for magic, kind in MAGIC:
        if data.startswith(magic):
            raise ImportFileError("binary", kind)
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace").lstrip("\ufeff"), "UTF-16"
    head = data[:4096]
    if head and head.count(0) * 3 >= len(head):  # UTF-16 without BOM: every other byte of ASCII text is 0
        even_zeros = head[0::2].count(0)
        encoding = "utf-16-be" if even_zeros > head[1::2].count(0) else "utf-16-le"
        return data.decode(encoding, errors="replace"), "UTF-16"
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    if controls > max(3, len(head) // 100):  # a stray NUL is cleaned away; a file full of them is no text
        raise ImportFileError("binary", "")
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    if _looks_like_cp1258(data):
        return unicodedata.normalize("NFC", data.decode("cp1258", errors="replace")), "Windows-1258"
    return data.decode("cp1252", errors="replace"), "Windows-1252"


def _looks_like_cp1258(data: bytes) -> bool:
    """True when the file has Windows-1258 tone-mark bytes and each one, read as a combining mark, makes a
    Vietnamese letter with the letter before it ("Bi" + 0xCC → "Bì"); Italian "così" in Windows-1252 would make
    "cosś" and stays Windows-1252."""
    if not CP1258_TONE_BYTES.intersection(data):
        return False
    text = data.decode("cp1258", errors="replace")
    for index, ch in enumerate(text):
        if ch in _TONES[1:]:
            composed = unicodedata.normalize("NFC", text[max(index - 1, 0):index + 1])
            if len(composed) != 1 or composed not in VIETNAMESE_LETTERS:
                return False
    return True


def import_contacts_upload(name: str, region_path: str, source_name: str) -> dict:
    """RQ job: import the uploaded file `name` (sms.uploads). Progress in the job's meta; the result is the
    report, or {"error": code, "kind": ...} for a file that is no CSV. The upload is deleted either way."""
    job = get_current_job()

    def progress(done: int, total: int) -> None:
        if job is not None:
            job.meta.update(done=done, total=total, region_path=region_path)
            job.save_meta()

    with uploads.claimed(name) as path:
        data = path.read_bytes()
    try:
        text, encoding = decode_upload(data)
        report = import_contacts(text, allowed_region_path=region_path, source_name=source_name, progress=progress)
    except ImportFileError as exc:
        return {"error": exc.code, "kind": exc.kind}
    return {"imported": report.imported, "total": report.total, "encoding": encoding,
            "errors": [{"line": line, "phone": phone, "reason": reason, "code": code, "detail": detail}
                       for (line, phone, reason), (code, detail) in zip(report.errors, report.codes, strict=True)]}


class RowError(ValueError):
    """A row that cannot be imported: `code` (bad_number | duplicate | unknown_region | missing_consent |
    unknown_language | unknown_kind | bad_date | field_too_long | unreadable_row; the page says it in the
    operator's language) and `detail` (the value at fault). Its text is the English "code: detail"."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code.replace("_", " ") + (f": {detail}" if detail else ""))
        self.code, self.detail = code, detail


@dataclass
class ImportReport:
    imported: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, phone as given, reason)
    total: int = 0
    codes: list[tuple[str, str]] = field(default_factory=list)  # (code, detail) of each error, in the same order


def _date(value: str) -> date | None:
    return date.fromisoformat(value.strip()) if value and value.strip() else None


def _rows(text: str) -> Iterator[tuple[int, dict[str, str] | None, RowError | None]]:
    """(line, cleaned row or None, its error when None) for every data row; the header names the columns."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [clean_line(h).lower() for h in next(reader)]
    except (StopIteration, csv.Error):
        header = []
    if "phone" not in header:
        raise ImportFileError("no_phone_column")
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a field over the csv module's own limit (131,072 characters)
            yield reader.line_num, None, RowError("unreadable_row", str(exc))
            continue
        if not any(v.strip() for v in values):
            continue
        row, too_long = {}, []
        for column, value in zip(header, values, strict=False):
            if not column:
                continue
            limit = FIELD_LIMITS.get(column, OTHER_FIELD_LIMIT)
            value = clean(value, strip=True) if column == "consent_text" else clean_line(value)
            if len(value) > limit:
                too_long.append(f"{column} {len(value)}/{limit}")
            row[column] = value
        if too_long:
            yield reader.line_num, None, RowError("field_too_long", ", ".join(too_long))
        else:
            yield reader.line_num, row, None


def check_header(text: str) -> None:
    """ImportFileError unless the first row names the columns, a 'phone' column among them."""
    next(_rows(text), None)


def import_contacts(text: str, *, allowed_region_path: str = "/", source_name: str = "import",
                    progress: Callable[[int, int], None] | None = None) -> ImportReport:
    rows = list(_rows(text))
    report = ImportReport(total=len(rows))
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    seen: set[str] = set()
    for count, (line, row, error) in enumerate(rows, start=1):
        given = (row or {}).get("phone", "")
        try:
            if row is None:
                raise error
            contact = _contact_from_row(row, regions, seen, allowed_region_path, source_name)
        except RowError as exc:
            report.errors.append((line, given, str(exc)))
            report.codes.append((exc.code, exc.detail))
        else:
            db.session.add(contact)
            db.session.flush()
            report.imported += 1
            seen.add(contact.phone)
        if progress and count % 50 == 0:
            db.session.commit()
            progress(count, len(rows))
    db.session.commit()
    if progress:
        progress(len(rows), len(rows))
    return report


def _contact_from_row(row: dict, regions: dict, seen: set[str], allowed: str, source_name: str) -> Contact:
    try:
        phone = normalize_phone(row.get("phone", ""))
    except InvalidPhone as exc:
        raise RowError("bad_number", row.get("phone", "")) from exc
    existing = db.session.scalar(select(Contact).where(Contact.phone == phone))
    if phone in seen or (existing is not None and existing.region.path.startswith(allowed)):
        raise RowError("duplicate", phone)
    region = regions.get(row.get("region", ""))
    if region is None or not region.path.startswith(allowed):
        raise RowError("unknown_region", row.get("region", ""))
    if not row.get("consent_text"):
        raise RowError("missing_consent")
    language = (row.get("language") or "vi").lower()
    if language not in configured_codes():
        raise RowError("unknown_language", f"{language} ({', '.join(configured_codes())})")
    kind = (row.get("kind") or "resident").lower()
    if kind not in ("tourist", "resident"):
        raise RowError("unknown_kind", kind)
    try:
        arrival, departure = _date(row.get("arrival", "")), _date(row.get("departure", ""))
    except ValueError as exc:
        raise RowError("bad_date", f"{row.get('arrival', '')} {row.get('departure', '')}".strip()) from exc
    now = utcnow()
    if existing is not None:
        # Held by a district outside this import's area: answered like a new number (no existence oracle, as in
        # sms.views.contact_new); the consent is recorded on the existing contact, nothing else of it changes.
        existing.consent_at = now
        existing.consents.append(ConsentRecord(source=row.get("consent_source") or "import",
                                               source_ref=f"{source_name} ({region.code})"[:200],
                                               text_shown=row["consent_text"], language=language, at=now))
        return existing
    contact = Contact(phone=phone, name=row.get("name", ""), language=language, kind=kind, region_id=region.id,
                      arrival_date=arrival, departure_date=departure, consent_at=now)
    contact.tags = [t for t in row.get("tags", "").replace(";", ",").split(",")]
    contact.consents = [ConsentRecord(source=row.get("consent_source") or "import", source_ref=source_name,
                                      text_shown=row["consent_text"], language=language, at=now)]
    return contact


def import_suppression(lines: Iterable[str], list_name: str, *, batch: int = 5000,
                       progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Numbers from CSV/TXT lines (first column); invalid lines are counted, duplicates ignored."""
    counts = {"added": 0, "invalid": 0, "duplicate": 0, "lines": 0}
    pending: set[str] = set()

    def flush() -> None:
        if not pending:
            return
        existing = set(db.session.scalars(select(SuppressionEntry.phone).where(
            SuppressionEntry.list_name == list_name, SuppressionEntry.phone.in_(pending))))
        fresh = pending - existing
        counts["duplicate"] += len(existing)
        if fresh:
            now = utcnow()
            db.session.execute(SuppressionEntry.__table__.insert(),
                               [{"list_name": list_name, "phone": p, "added_at": now} for p in fresh])
        db.session.commit()
        counts["added"] += len(fresh)
        pending.clear()
        if progress:
            progress(counts["lines"])

    for line in lines:
        counts["lines"] += 1
        first = line.strip().lstrip("\ufeff").split(",")[0].split(";")[0].strip().strip('"')
        if not first or not any(ch.isdigit() for ch in first):
            counts["lines"] -= 1  # header or blank line
            continue
        phone = try_normalize(first)
        if phone is None:
            counts["invalid"] += 1
            continue
        if phone in pending:
            counts["duplicate"] += 1
            continue
        pending.add(phone)
        if len(pending) >= batch:
            flush()
    flush()
    return counts
