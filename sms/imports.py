"""CSV import of contacts (row by row: a failed row imports nothing, errors are reported per row) and streamed
import of suppression lists (the national do-not-call list is large: read line by line, insert in batches)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from signage.extensions import db
from signage.languages import configured_codes
from signage.models import Region
from signage.timeutil import utcnow
from sms.models import ConsentRecord, Contact, SuppressionEntry
from sms.phones import InvalidPhone, normalize_phone, try_normalize

CONTACT_COLUMNS = ("phone", "name", "language", "kind", "region", "tags", "arrival", "departure",
                   "consent_source", "consent_text")


@dataclass
class ImportReport:
    imported: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, phone as given, reason)
    total: int = 0


def _date(value: str) -> date | None:
    return date.fromisoformat(value.strip()) if value and value.strip() else None


def import_contacts(text: str, *, allowed_region_path: str = "/", source_name: str = "import",
                    progress: Callable[[int, int], None] | None = None) -> ImportReport:
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    report = ImportReport(total=len(rows))
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    seen: set[str] = set()
    for index, row in enumerate(rows, start=2):  # line 1 is the header
        row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        given = row.get("phone", "")
        try:
            contact = _contact_from_row(row, regions, seen, allowed_region_path, source_name)
        except ValueError as exc:
            report.errors.append((index, given, str(exc)))
        else:
            db.session.add(contact)
            db.session.flush()
            report.imported += 1
            seen.add(contact.phone)
        if progress and index % 50 == 0:
            db.session.commit()
            progress(index - 1, len(rows))
    db.session.commit()
    if progress:
        progress(len(rows), len(rows))
    return report


def _contact_from_row(row: dict, regions: dict, seen: set[str], allowed: str, source_name: str) -> Contact:
    try:
        phone = normalize_phone(row.get("phone", ""))
    except InvalidPhone as exc:
        raise ValueError(f"bad number: {exc}") from exc
    if phone in seen or db.session.scalar(select(Contact.id).where(Contact.phone == phone)):
        raise ValueError(f"duplicate: {phone} is already a contact")
    region = regions.get(row.get("region", ""))
    if region is None or not region.path.startswith(allowed):
        raise ValueError(f"unknown region: {row.get('region', '')!r}")
    if not row.get("consent_text"):
        raise ValueError("missing consent: the consent_text column is empty")
    language = (row.get("language") or "vi").lower()
    if language not in configured_codes():
        raise ValueError(f"unknown language: {language!r} (this province's languages: "
                         f"{', '.join(configured_codes())})")
    kind = (row.get("kind") or "resident").lower()
    if kind not in ("tourist", "resident"):
        raise ValueError(f"unknown kind: {kind!r}")
    try:
        arrival, departure = _date(row.get("arrival", "")), _date(row.get("departure", ""))
    except ValueError as exc:
        raise ValueError(f"bad date: {exc}") from exc
    now = utcnow()
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
