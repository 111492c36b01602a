"""The look of report.xlsx's cells, shared by its sheets and by `fasd corriger`'s copy:
fills for an error or a warning, fonts, alignments, and a faulty cell's comment."""

from __future__ import annotations


from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from ..model.codes import ERROR, RULES, SEVERITY_LABELS
from .report_plan import (
    ACCEPTED,
    CASCADE_CODES,
    REJECTED,
    WARNED,
)
from .xlsx_stream import clean_text


SEVERITY_FR = {s: label.capitalize() for s, label in SEVERITY_LABELS.items()}

ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WARNING_FILL = PatternFill("solid", fgColor="FFD9A0")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14, color="1F4E78")
LINK_FONT = Font(color="0563C1", underline="single")
REJECTED_FONT = Font(bold=True, color="9C0006")
ACCEPTED_FONT = Font(color="006100")
WARNED_FONT = Font(color="9C5700")
STATUS_FONTS = {REJECTED: REJECTED_FONT, WARNED: WARNED_FONT, ACCEPTED: ACCEPTED_FONT}
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
LINE_HEIGHT = 15.0  # points per line of 11-point text, Excel's default row height


def finding_comment(findings: list[dict]) -> Comment:
    parts = []
    for f in findings:
        title = RULES[f["code"]].title if f["code"] in RULES else ""
        parts.append(f"{SEVERITY_FR.get(f['severity'], f['severity'])} — {title} ({f['code']}) : {f['message']}")
        if f.get("suggestion"):
            parts.append(f"→ {f['suggestion']}")
    text = clean_text("\n".join(parts))
    comment = Comment(text, "fasd")
    comment.width = 340
    comment.height = min(600, 30 + 16 * sum(1 + len(p) // 50 for p in parts))
    return comment


def finding_fill(findings: list[dict]):
    own = [f for f in findings if f["code"] not in CASCADE_CODES]
    if any(f["severity"] == ERROR for f in own):
        return ERROR_FILL
    if own:
        return WARNING_FILL
    return None


CENTER = Alignment(horizontal="center")
