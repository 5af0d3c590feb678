"""Render a contract document to PDF (fpdf2) with an embedded Chinese font.

Deterministic: the same content, font and creation time give the same bytes, so a document's SHA-256
can be recomputed from what it says. The font is a TrueType face (or the first face of a collection)
covering simplified Chinese, ``settings.CONTRACT_PDF_FONT``; only the glyphs used are embedded, with a
ToUnicode map, so the text can be searched and copied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.enums import XPos, YPos


@dataclass(frozen=True)
class DocumentContent:
    title: str
    subtitle: str
    parties: Sequence[tuple[str, str]]  # (label, name)
    clauses: Sequence[dict[str, str]]  # {"key", "heading", "text"}
    footer: str
    created_at: dt.datetime


_FONT = "contract"


def render_pdf(content: DocumentContent, *, font_path: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(content.created_at.astimezone(dt.UTC))
    pdf.set_title(content.title)
    pdf.set_creator("科技大市场")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(20, 20, 20)
    collection = font_path.lower().endswith(".ttc")
    if collection:
        pdf.add_font(_FONT, fname=font_path, collection_font_number=0)
    else:
        pdf.add_font(_FONT, fname=font_path)
    pdf.add_page()

    pdf.set_font(_FONT, size=18)
    pdf.multi_cell(0, 12, content.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(_FONT, size=9)
    pdf.multi_cell(0, 6, content.subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(_FONT, size=11)
    for label, name in content.parties:
        pdf.multi_cell(0, 7, f"{label}：{name}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.multi_cell(
        0,
        7,
        "依据《中华人民共和国民法典》的规定，双方经平等协商，就下列事项达成一致，订立本合同，共同遵守。",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    numerals = "一二三四五六七八九十"
    for index, clause in enumerate(content.clauses, start=1):
        number = numerals[index - 1] if index <= 10 else "十" + numerals[index - 11]
        pdf.ln(2)
        pdf.set_font(_FONT, size=12)
        pdf.multi_cell(0, 8, f"第{number}条　{clause['heading']}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(_FONT, size=11)
        pdf.multi_cell(0, 7, clause["text"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(8)
    for label, name in content.parties:
        pdf.multi_cell(0, 7, f"{label}：{name}（电子签署，签署记录见平台）", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(_FONT, size=8)
    pdf.multi_cell(0, 5, content.footer, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
