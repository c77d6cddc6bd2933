"""The long-table layout of the reports lays out pages exactly as reportlab's own Table would.

pdf._PagedTable measures rows once and draws each page's rows itself; pdf._CellParagraph lets
cells with the same text share one paragraph. Both exist for speed (bench/bench_reports.py);
here the same rows are laid out both ways and must give the same pages with the same text.
"""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from checkpoint.reports import pdf
from checkpoint.reports.fonts import register_cjk_font

WIDTHS = [10 * mm, 15 * mm, 60 * mm, 95 * mm]
LONG = (
    "货车2022-04-16到访中风险地区上海市浦东新区，持有效通行证，点对点闭环、"
    "核酸采样已60小时，超过48小时有效期、体温38.0℃，达到37.3℃发热标准"
)


def _rows(st: pdf._Styles, *, shared: bool) -> list[list[Any]]:
    """A header and 400 rows: one-line text, two-line text and wrapped paragraphs."""
    one = pdf._CellParagraph(LONG, st.cell)
    rows: list[list[Any]] = [["序号", "时间", "原因", "处置"]]
    for i in range(400):
        if i % 3 == 0:
            reason: Any = one if shared else Paragraph(LONG, st.cell)
        elif i % 3 == 1:
            reason = "健康码红码\n体温38.0°C"
        else:
            reason = "健康码黄码"
        rows.append(
            [str(i + 1), f"08:{i % 60:02d}:00", reason, "核酸检测通道＋落地报备" * (i % 2 + 1)]
        )
    return rows


def _render(flowable: Any) -> list[str]:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=pdf.MARGIN, rightMargin=pdf.MARGIN,
                            topMargin=pdf.MARGIN, bottomMargin=18 * mm)  # fmt: skip
    doc.build([Spacer(1, 300), flowable])
    return [page.extract_text() for page in PdfReader(io.BytesIO(buf.getvalue())).pages]


def test_row_heights_are_the_ones_reportlab_measures() -> None:
    st = pdf._Styles(register_cjk_font())
    rows = _rows(st, shared=True)
    table = pdf._table(_rows(st, shared=False), WIDTHS, st.font)
    table.wrap(sum(WIDTHS), 1e12)
    assert pdf._row_heights(rows, WIDTHS, 8.5) == table._rowHeights
    assert len(set(table._rowHeights)) == 3  # one line, two lines and a wrapped paragraph


def test_paged_table_gives_the_pages_reportlab_gives() -> None:
    st = pdf._Styles(register_cjk_font())
    plain = _render(pdf._table(_rows(st, shared=False), WIDTHS, st.font, right_cols=(0,)))
    paged = _render(pdf._PagedTable(_rows(st, shared=True), WIDTHS, st.font, (0,)))
    assert len(plain) > 5
    assert paged == plain  # same rows on the same pages, header repeated on each
    assert all(page.count("序号") == 1 for page in paged[1:])


def test_fit_decides_once_per_text_and_shares_the_paragraph() -> None:
    st = pdf._Styles(register_cjk_font())
    a = pdf._fit(["健康码红码", LONG], 55 * mm, st)
    b = pdf._fit(["健康码红码", LONG], 55 * mm, st)
    assert isinstance(a, pdf._CellParagraph) and a is b
    assert pdf._fit(["健康码红码"], 55 * mm, st) == "健康码红码"
    # the degree sign the font lacks is still spelled out in a wrapped cell
    assert "°C" in a.text and "℃" not in a.text
