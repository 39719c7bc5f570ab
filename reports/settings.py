"""Settings of the reports package (declared once; the app factory reads and casts them at start-up)."""

from __future__ import annotations

from signage.settings import Setting


def _deadline_rules(value: str) -> tuple[tuple[str, str], ...]:
    """`"quarterly=20, yearly=12-15"` → (("quarterly", "20"), ("yearly", "12-15")); checked by reports.periods."""
    from reports.periods import parse_deadlines

    return parse_deadlines(value)


SETTINGS = (
    Setting("REPORTS_RAW_RETENTION_DAYS", 400, int,
            "raw proof of play and QR scans older than this are deleted (daily roll-ups are kept forever)"),
    Setting("REPORTS_DEADLINES", _deadline_rules("quarterly=20,yearly=12-15"), _deadline_rules,
            "reporting deadlines: quarterly=DAY (of the quarter's last month), yearly=MM-DD, monthly=DAY "
            "(of the next month)"),
    Setting("REPORTS_REMIND_DAYS", 14, int, "days before a deadline the dashboard starts reminding"),
    Setting("REPORTS_ISSUER", "", help="issuing body lines of the report header, '|' between lines; "
            "empty: the account's region"),
    Setting("REPORTS_PLACE", "", help="place name before the date; empty: the province's name"),
    Setting("REPORTS_SYMBOL", "BC", help="document symbol after the number (Số: …/BC-…)"),
    Setting("REPORTS_SIGNER", "THỦ TRƯỞNG ĐƠN VỊ", help="title above the signature"),
    Setting("REPORTS_RECIPIENTS", "Như trên;Lưu: VT", help="'Nơi nhận' list, ';' between recipients"),
    Setting("REPORTS_DEMO_DAYS", 14, int, "days of plays, scans and SMS `flask demo load` generates"),
)
