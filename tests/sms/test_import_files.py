"""Contact files as people really upload them (issue 10): old Windows encodings, UTF-16 from Excel, a PNG by
mistake, a huge field, a NUL byte — each read or refused with a reason; the status page says how it ended."""

import io
import unicodedata

import pytest
from sqlalchemy import select

from signage.extensions import db
from sms.imports import decode_upload, import_contacts_upload
from sms.models import Contact

HEADER = "phone,name,language,kind,region,tags,arrival,departure,consent_source,consent_text\n"
TONES = "\u0300\u0301\u0303\u0309\u0323"


def cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows saves it: base letters precomposed, tone marks combining."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
            out += base.encode("cp1258") + "".join(c for c in parts if c in TONES).encode("cp1258")
    return out


def _upload(app, data: bytes, region_path: str) -> dict:
    from werkzeug.datastructures import FileStorage

    from sms import uploads

    with app.test_request_context():
        name = uploads.save(FileStorage(io.BytesIO(data), "contacts.csv"), ".csv")
        return import_contacts_upload(name, region_path, "contacts.csv")


VIETNAMESE = HEADER + "0912345678,Nguyễn Thị Hồng Đào,vi,resident,BT-PT,,,,form,Đồng ý nhận tin nhắn\n"
WESTERN = HEADER + "0912345679,José Müller – Café,en,tourist,BT-PT,,,,form,I agree\n"


@pytest.mark.parametrize(("data", "encoding", "name"), [
    (VIETNAMESE.encode("utf-8"), "UTF-8", "Nguyễn Thị Hồng Đào"),
    (b"\xef\xbb\xbf" + VIETNAMESE.encode("utf-8"), "UTF-8", "Nguyễn Thị Hồng Đào"),
    (VIETNAMESE.encode("utf-16"), "UTF-16", "Nguyễn Thị Hồng Đào"),
    (VIETNAMESE.encode("utf-16-le"), "UTF-16", "Nguyễn Thị Hồng Đào"),
    (cp1258(VIETNAMESE), "Windows-1258", "Nguyễn Thị Hồng Đào"),
    (WESTERN.encode("cp1252"), "Windows-1252", "José Müller – Café"),
    ((HEADER + "0912345679,Così però,it,tourist,BT-PT,,,,form,sì\n").encode("cp1252"), "Windows-1252",
     "Così però"),
], ids=["utf8", "utf8-bom", "utf16-bom", "utf16-le", "cp1258", "cp1252", "cp1252-italian"])
def test_the_encoding_is_detected_and_names_arrive_intact(data, encoding, name):
    text, found = decode_upload(data)
    assert found == encoding
    assert name in text and unicodedata.is_normalized("NFC", text)


def test_a_windows_1258_file_imports_its_vietnamese_names(app, demo):
    result = _upload(app, cp1258(VIETNAMESE), demo["BT"].path)
    assert result["imported"] == 1 and result["encoding"] == "Windows-1258"
    assert db.session.scalar(select(Contact.name)) == "Nguyễn Thị Hồng Đào"


def test_the_cli_import_reads_the_same_encodings_as_the_web_import(app, demo, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(cp1258(VIETNAMESE))
    result = app.test_cli_runner().invoke(args=["sms", "import-contacts", str(path)])
    assert result.exit_code == 0 and "Imported 1 of 1 rows." in result.output
    assert db.session.scalar(select(Contact.name)) == "Nguyễn Thị Hồng Đào"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    refused = app.test_cli_runner().invoke(args=["sms", "import-contacts", str(path)])
    assert refused.exit_code != 0 and "not a CSV" in refused.output


def test_a_png_is_refused_at_upload_with_a_readable_reason(outbox_app, login):
    from tests.conftest import csrf_token

    operator = login("phanthiet")
    page = operator.get("/sms/contacts/import")
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    answer = operator.post("/sms/contacts/import", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "file": (io.BytesIO(png), "contacts.csv")},
        content_type="multipart/form-data")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "PNG" in html and ("CSV" in html)


def test_a_png_reaching_the_job_ends_with_a_reason_not_a_crash(app, demo):
    assert _upload(app, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", demo["BT"].path) == {"error": "binary", "kind": "PNG"}


def test_a_huge_field_fails_its_row_only_and_a_nul_byte_is_stripped(app, demo):
    data = (HEADER + "0912000001,An\x00h,vi,resident,BT-PT,,,,form,ok\n"
            + "0912000002," + "x" * 200_000 + ",vi,resident,BT-PT,,,,form,ok\n"
            + "0912000003,Bình," + "vi" * 10 + ",resident,BT-PT,,,,form,ok\n"
            + "0912000004,Lan,vi,resident,BT-PT,,,,form,ok\n").encode()
    result = _upload(app, data, demo["BT"].path)
    assert result["imported"] == 2 and result["total"] == 4
    codes = {e["line"]: e["code"] for e in result["errors"]}
    assert codes == {3: "unreadable_row", 4: "field_too_long"}  # over the csv module's limit, over ours
    assert set(db.session.scalars(select(Contact.name))) == {"Anh", "Lan"}


def test_a_failed_import_says_so_and_its_page_stops_polling(outbox_app, login, demo):
    from signage.redis_client import get_queue
    from sms import imports, jobs

    with outbox_app.test_request_context():
        job = get_queue(jobs.QUEUE).enqueue(imports.import_contacts_upload, "vanished.csv", demo["BT-PT"].path,
                                            "x.csv", meta={"region_path": demo["BT-PT"].path})
    operator = login("phanthiet")
    state = operator.get(f"/sms/imports/{job.id}?format=json").get_json()
    assert state["state"] == "failed" and state["over"] is True and state["error"]
    html = operator.get(f"/sms/imports/{job.id}").get_data(as_text=True)
    assert "JobStatus" not in html and 'id="import-error"' in html
    assert "import_status.js" not in html and "data-status-url" not in html


def test_a_district_import_does_not_say_which_numbers_another_district_holds(app, demo, make_contact):
    from sms.models import ConsentRecord

    held = make_contact("+84912345678", region="BT-PT", name="Chị Lan")
    data = (HEADER + "0912345678,Lan,vi,resident,BT-HT,,,,form,Đồng ý\n"
            + "0912345677,Mai,vi,resident,BT-HT,,,,form,Đồng ý\n").encode()
    result = _upload(app, data, demo["BT-HT"].path)
    assert result["imported"] == 2 and result["errors"] == []
    db.session.expire_all()
    kept = db.session.get(Contact, held.id)
    assert (kept.region_id, kept.name) == (demo["BT-PT"].id, "Chị Lan")
    assert db.session.scalar(select(ConsentRecord.source_ref).where(ConsentRecord.contact_id == held.id,
                                                                   ConsentRecord.source == "form"))


def test_row_errors_are_shown_in_the_operators_language(outbox_app, login):
    from tests.conftest import csrf_token

    operator = login("phanthiet")
    page = operator.get("/sms/contacts/import")
    data = (HEADER + "12345,Bad,vi,resident,BT-PT,,,,form,ok\n").encode()
    answer = operator.post("/sms/contacts/import", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "file": (io.BytesIO(data), "contacts.csv")},
        content_type="multipart/form-data")
    html = operator.get(answer.headers["Location"]).get_data(as_text=True)
    assert 'data-code="bad_number"' in html and "Không phải số di động hợp lệ: 12345" in html
