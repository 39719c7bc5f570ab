"""The period report as a Vietnamese administrative document (layout of Decree 30/2020/NĐ-CP): issuing body
and national motto header, number and symbol, place and date, title, body sections, recipients ("Nơi nhận")
and the signature block — built once (`build`) from the indicators, then written three ways from that one
structure: the printable page (template reports/report.html), a PDF (WeasyPrint over the same HTML, with
the same SVG charts) and an editable DOCX (python-docx; tables instead of charts, for officials to edit and
sign). The language is the request's (Vietnamese by default, English with ?lang=en).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup

from reports.indicators import Indicators
from reports.tables import Table

#: up to this many screens the report lists each one; more are summed per region (the XLSX has them all)
SCREENS_IN_REPORT = 60
MOTTO = {"vi": ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"),
         "en": ("SOCIALIST REPUBLIC OF VIET NAM", "Independence - Freedom - Happiness")}


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    charts: list[Markup] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class ReportDocument:
    lang: str
    issuer: list[str]  # the governing body first, the issuing body last (bold, underlined)
    number: str  # "Số: …/BC-…"
    place_date: str
    title: str
    subject: str
    sections: list[Section]
    recipients: list[str]
    signer: str
    indicators: Indicators

    @property
    def motto(self) -> tuple[str, str]:
        return MOTTO.get(self.lang, MOTTO["en"])


def _fmt(value, decimals: int = 0) -> str:
    if value is None:
        return "—"
    if decimals:
        return f"{value:,.{decimals}f}".replace(",", "\u00a0")
    return f"{int(round(value)):,}".replace(",", "\u00a0")


def place_date(place: str, day: date, lang: str) -> str:
    if lang == "vi":
        return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"
    return f"{place}, {day:%d %B %Y}"


def build(ind: Indicators, charts: dict[str, Markup], today: date, lang: str) -> ReportDocument:
    cfg = current_app.config
    region = ind.scope.region
    root = region.ancestors()[0] if region.parent_id else region
    issuer = [line.strip() for line in (cfg["REPORTS_ISSUER"] or "").split("|") if line.strip()]
    if not issuer:
        issuer = ([("UBND " if lang == "vi" else "PEOPLE'S COMMITTEE OF ") + root.name.upper()]
                  if region.parent_id else []) + [region.name.upper()]
    place = cfg["REPORTS_PLACE"] or root.name.removeprefix("Tỉnh ").removeprefix("Thành phố ")
    s, p = ind.summary, ind.period
    period_label = p.label(lang)
    sections = []

    screens = Section(_("1. Public electronic boards"))
    screens.paragraphs.append(_(
        "In %(period)s, %(screens)s screens of %(region)s played %(hours)s hours of content (%(plays)s plays "
        "recorded by the players). Their uptime was %(uptime)s %%; %(offline)s screens are offline at the time of "
        "this report.", period=period_label, screens=_fmt(s["screens"]), region=region.name,
        hours=_fmt(s["airtime_hours"], 1), plays=_fmt(s["plays"]), uptime=_fmt(s["uptime_pct"], 1),
        offline=_fmt(s["offline_now"])))
    screens.charts += [charts[k] for k in ("airtime", "themes", "regions") if k in charts]
    screens.tables += [ind.tables["regions"], ind.tables["airtime_by_theme"], _top(ind.tables["items"], 10)]
    if len(ind.tables["screens"].rows) <= SCREENS_IN_REPORT:  # a province of hundreds: per region only (XLSX)
        screens.tables.append(ind.tables["screens"])
    screens.tables.append(_top(ind.tables["offline_now"], SCREENS_IN_REPORT))
    if ind.tables["stale_manifest"].rows:
        screens.tables.append(_top(ind.tables["stale_manifest"], SCREENS_IN_REPORT))
    sections.append(screens)

    reach = Section(_("2. QR codes and subscriptions"))
    reach.paragraphs.append(_(
        "Passers-by scanned the QR codes on the boards %(scans)s times; %(optins)s people subscribed to SMS "
        "(%(tourists)s of them tourists).", scans=_fmt(s["scans"]), optins=_fmt(s["optins"]),
        tourists=_fmt(s["tourist_optins"])))
    reach.charts += [charts[k] for k in ("scans_hour",) if k in charts]
    reach.tables += [_top(ind.tables["scans_by_slide"], 10), ind.tables["scans_by_weekday"]]
    sections.append(reach)

    sms = Section(_("3. SMS to tourists and residents"))
    sms.paragraphs.append(_(
        "%(campaigns)s campaigns sent %(sent)s messages (%(segments)s segments): %(delivered)s delivered "
        "(%(rate)s %%), %(failed)s failed; %(optouts)s recipients opted out within 7 days. Cost: %(cost)s "
        "%(currency)s (%(reported)s reported by the gateway, %(estimated)s estimated).",
        campaigns=_fmt(s["sms_campaigns"]), sent=_fmt(s["sms_sent"]), segments=_fmt(s["sms_segments"]),
        delivered=_fmt(s["sms_delivered"]), rate=_fmt(s["sms_delivery_pct"], 1), failed=_fmt(s["sms_failed"]),
        optouts=_fmt(s["sms_opted_out"]), cost=_fmt(s["sms_cost"], 2), currency=ind.currency,
        reported=_fmt(s["sms_cost_reported"], 2), estimated=_fmt(s["sms_cost_estimated"], 2)))
    sms.charts += [charts[k] for k in ("funnel",) if k in charts]
    sms.tables += [ind.tables["sms_funnel"], ind.tables["sms_campaigns"], ind.tables["sms_by_language"]]
    sections.append(sms)

    control = Section(_("4. Emergencies, announcements and corrections"))
    control.paragraphs.append(_(
        "%(emergencies)s emergency alerts, %(announcements)s urgent announcements and %(corrections)s corrections "
        "of false information went on air; %(own)s items were approved by their own submitter under a "
        "region's one-person exception.", emergencies=_fmt(s["alerts_emergency"]),
        announcements=_fmt(s["alerts_announcement"]), corrections=_fmt(s["alerts_correction"]),
        own=_fmt(s["self_approvals"])))
    control.tables += [ind.tables["on_air_control"], ind.tables["self_approvals"]]
    sections.append(control)

    targets = ind.tables["targets"]
    met = sum(1 for r in targets.rows if r.get("_met"))
    review = Section(_("5. Against the targets"))
    review.paragraphs.append(_("%(met)s of %(total)s targets were met.", met=met, total=len(targets.rows))
                             if targets.rows else _("No targets were set for this period."))
    review.tables.append(targets)
    sections.append(review)
    sections.append(Section(_("II. ASSESSMENT AND PROPOSALS"), [_(
        "(To be completed by the reporting unit: strengths, shortcomings and their causes, proposals.)")]))

    title = _("REPORT")
    subject = _("Results of information on public electronic boards and SMS, %(period)s", period=period_label)
    number = _("No.: …/%(symbol)s", symbol=cfg["REPORTS_SYMBOL"])
    recipients = [r.strip() for r in cfg["REPORTS_RECIPIENTS"].split(";") if r.strip()]
    return ReportDocument(lang, issuer, number, place_date(place, today, lang), title, subject,
                          [Section(_("I. RESULTS"))] + sections, recipients, cfg["REPORTS_SIGNER"], ind)


def _top(table: Table, n: int) -> Table:
    """The first `n` rows (the exports have them all)."""
    note = _("%(n)s more rows in the CSV and XLSX exports.", n=len(table.rows) - n) if len(table.rows) > n \
        else table.note
    return Table(table.key, table.title, table.columns, table.rows[:n], table.drill[:n], note)


def cell_text(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind in ("float", "pct"):
        return _fmt(value, 1)
    if kind == "money":
        return _fmt(value, 2)
    if kind == "int":
        return _fmt(value)
    if kind == "date" and isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if kind == "datetime":
        return value.strftime("%d/%m/%Y %H:%M") if hasattr(value, "strftime") else str(value)
    return str(value)


# ---------------------------------------------------------------- PDF


def pdf_bytes(html: str, base_url: str) -> bytes:
    """The printable page as PDF. `base_url` resolves nothing outside the product: the page inlines its
    styles and charts."""
    from weasyprint import HTML  # loads Pango; only the PDF export needs it

    return HTML(string=html, base_url=base_url).write_pdf()


# ---------------------------------------------------------------- DOCX


def _run(paragraph, text: str, *, bold=False, italic=False, size=13, underline=False):
    run = paragraph.add_run(text)
    run.bold, run.italic, run.underline = bold, italic, underline
    run.font.size = Pt(size)
    run.font.name = "Times New Roman"
    run._element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")
    return run


def _para(container, text: str = "", *, align=None, bold=False, italic=False, size=13, underline=False,
          space_after=3):
    paragraph = container.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(space_after)
    if text:
        _run(paragraph, text, bold=bold, italic=italic, size=size, underline=underline)
    return paragraph


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def docx_bytes(doc: ReportDocument) -> bytes:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(13)

    center = WD_ALIGN_PARAGRAPH.CENTER
    header = document.add_table(rows=2, cols=2)
    _no_borders(header)
    left, right = header.cell(0, 0), header.cell(0, 1)
    left.paragraphs[0].alignment = center
    for i, line in enumerate(doc.issuer):
        paragraph = left.paragraphs[0] if i == 0 else left.add_paragraph()
        paragraph.alignment = center
        last = i == len(doc.issuer) - 1
        _run(paragraph, line, bold=last, size=13 if last else 12, underline=last)
    right.paragraphs[0].alignment = center
    _run(right.paragraphs[0], doc.motto[0], bold=True, size=12)
    motto = right.add_paragraph()
    motto.alignment = center
    _run(motto, doc.motto[1], bold=True, size=13, underline=True)
    number, when = header.cell(1, 0).paragraphs[0], header.cell(1, 1).paragraphs[0]
    number.alignment, when.alignment = center, center
    _run(number, doc.number, size=13)
    _run(when, doc.place_date, italic=True, size=13)

    _para(document, "", space_after=6)
    _para(document, doc.title, align=center, bold=True, size=14, space_after=0)
    _para(document, doc.subject, align=center, bold=True, size=14, space_after=12)
    for sec in doc.sections:
        _para(document, sec.heading, bold=True, space_after=4)
        for text in sec.paragraphs:
            paragraph = _para(document, text, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
            paragraph.paragraph_format.first_line_indent = Cm(1)
        for table in sec.tables:
            _docx_table(document, table)

    _para(document, "", space_after=6)
    footer = document.add_table(rows=1, cols=2)
    _no_borders(footer)
    rec = footer.cell(0, 0).paragraphs[0]
    _run(rec, _("Recipients:"), bold=True, italic=True, size=12)
    for line in doc.recipients:
        _run(footer.cell(0, 0).add_paragraph(), f"- {line};", size=11)
    sign = footer.cell(0, 1).paragraphs[0]
    sign.alignment = center
    _run(sign, doc.signer, bold=True, size=13)
    note = footer.cell(0, 1).add_paragraph()
    note.alignment = center
    _run(note, _("(Signature, full name)"), italic=True, size=12)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _docx_table(document, table: Table) -> None:
    _para(document, str(table.title), italic=True, size=12, space_after=2)
    if not table.rows:
        _para(document, _("No data."), italic=True, size=12)
        return
    grid = document.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, column in zip(grid.rows[0].cells, table.columns, strict=True):
        cell.paragraphs[0].text = ""
        _run(cell.paragraphs[0], str(column.label), bold=True, size=11)
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, column in zip(cells, table.columns, strict=True):
            paragraph = cell.paragraphs[0]
            if column.kind != "text":
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _run(paragraph, cell_text(row.get(column.key), column.kind), size=11)
    _para(document, str(table.note) if table.note else "", italic=True, size=11, space_after=4)
