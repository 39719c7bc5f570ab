"""CSV import of contacts (per-row errors, nothing from a failed row) and streamed suppression-list import."""

import io
import time

from sqlalchemy import func, select

from signage.extensions import db
from sms.imports import import_contacts, import_suppression
from sms.models import ConsentRecord, Contact, SuppressionEntry

CSV = """phone,name,language,kind,region,tags,arrival,departure,consent_source,consent_text
0912 345 678,Lan,vi,resident,BT-PT,hội viên;biển,,,form,Đồng ý nhận tin (phiếu giấy 12/2026)
01621234567,An,vi,resident,BT-PT,,,,form,Đồng ý nhận tin
12345,Bad,vi,resident,BT-PT,,,,form,ok
0912345678,Dup,vi,resident,BT-PT,,,,form,ok
0987654321,NoRegion,en,tourist,XX-NOPE,,,,form,ok
0987654322,NoConsent,en,tourist,BT-PT,,,,form,
+79123456789,Ivan,ru,tourist,BT-PT-MN,,2026-12-18,2026-12-25,hotel,Согласен
"""


def test_contacts_csv_rows_import_or_report_their_error(app_ctx, demo):
    report = import_contacts(CSV)
    assert report.imported == 3 and report.total == 7
    reasons = {line: reason.split(":")[0] for line, _, reason in report.errors}
    assert reasons == {4: "bad number", 5: "duplicate", 6: "unknown region", 7: "missing consent"}
    phones = set(db.session.scalars(select(Contact.phone)))
    assert phones == {"+84912345678", "+84321234567", "+79123456789"}  # 0162 → 032
    lan = db.session.scalar(select(Contact).where(Contact.phone == "+84912345678"))
    assert lan.tags == ["hội viên", "biển"] and lan.consent_at is not None
    assert db.session.scalar(select(func.count()).select_from(ConsentRecord)) == 3


def test_district_import_rejects_regions_outside_the_district(app_ctx, demo):
    report = import_contacts(CSV, allowed_region_path=demo["BT-HT"].path)
    assert report.imported == 0


def test_web_import_runs_as_a_job_with_progress_and_errors(outbox_app, login):
    operator = login("phanthiet")
    page = operator.get("/sms/contacts/import")
    from tests.conftest import csrf_token

    response = operator.post("/sms/contacts/import", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "file": (io.BytesIO(CSV.encode()), "contacts.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302
    status = operator.get(response.headers["Location"] + "?format=json").get_json()
    assert status["status"] == "finished" and status["result"]["imported"] == 3  # BT-PT-MN is inside BT-PT
    html = operator.get(response.headers["Location"]).get_data(as_text=True)
    assert "<progress" in html and 'data-code="duplicate"' in html and 'data-code="missing_consent"' in html


def test_an_uploaded_list_waits_under_the_shared_media_root_not_the_nodes_instance_folder(app, tmp_path,
                                                                                         monkeypatch):
    from werkzeug.datastructures import FileStorage

    from sms import uploads

    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path / "shared"))
    with app.test_request_context():
        name = uploads.save(FileStorage(io.BytesIO(b"0900000001\n"), "dnc.txt"), ".txt")
        with uploads.claimed(name) as path:
            assert path.read_bytes() == b"0900000001\n"
            assert tmp_path / "shared" in path.parents


def test_an_uploaded_list_is_deleted_when_its_import_fails(app, demo):
    from werkzeug.datastructures import FileStorage

    from sms import uploads
    from sms.imports import import_contacts_upload

    with app.test_request_context():
        name = uploads.save(FileStorage(io.BytesIO(b"\x89PNG\r\n\x1a\n not a csv"), "x.csv"), ".csv")
        assert "error" in import_contacts_upload(name, demo["BT"].path, "x.csv")
        with uploads.claimed(name) as path:
            assert not path.exists()


def test_suppression_import_streams_large_lists_in_batches(app_ctx, demo):
    lines = (f"09{n:08d}\n" for n in range(60_000))  # a generator: never all in memory
    start = time.perf_counter()
    counts = import_suppression(lines, "national-dnc", batch=5000)
    assert counts["added"] == 60_000 and time.perf_counter() - start < 30
    again = import_suppression(["phone\n", "0900000001\n", "12345 (typo)\n", "+84 900 000 002\n"], "national-dnc")
    assert again == {"added": 0, "invalid": 1, "duplicate": 2, "lines": 3}
    assert db.session.scalar(select(func.count()).select_from(SuppressionEntry)) == 60_000
