"""The paper: shift handover report and daily report as A4 PDF (reportlab), in Chinese.

Only layout lives here; every number comes from :mod:`checkpoint.reports.data`. The CJK font
is embedded (never the viewer's), paragraphs wrap CJK-style, and every page carries
"第 x 页 / 共 y 页" and the report's data digest, so a printed copy can be checked later.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import PDFTextObject
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from checkpoint.domain import REPORT_TO_COMMUNITY_ZH, Disposition, Role, VehicleType
from checkpoint.errors import CheckpointError
from checkpoint.leader.responses import ResponseView
from checkpoint.reports.data import (
    CountRow,
    DayReport,
    ExceptionEntry,
    Figures,
    HourBucket,
    ShiftReport,
    StepTiming,
    short_digest,
)
from checkpoint.reports.fonts import printable, register_cjk_font
from checkpoint.reports.leader import BACK_ENTRY_ZH, LeaderSection

if TYPE_CHECKING:
    from checkpoint.leader.responses import ResponseView
    from checkpoint.sync.reading import ReadScope

PAGE_W, PAGE_H = A4
MARGIN = 15 * mm
CONTENT_W = PAGE_W - 2 * MARGIN
INK = colors.HexColor("#1a1a1a")
RULE = colors.HexColor("#8c8c8c")
SHADE = colors.HexColor("#ececec")
ACCENT = colors.HexColor("#1f4e79")
BAR = colors.HexColor("#4a7ab5")
NONE_ZH = "无"
DASH = "—"
# Cell padding of every data table (points) and the leading over the font size.
PAD_TOP, PAD_BOTTOM, PAD_SIDE = 2, 2.5, 3
LEADING_EXTRA = 2.5


class _Styles:
    def __init__(self, font: str) -> None:
        def style(name: str, size: float, leading: float, **kw: Any) -> ParagraphStyle:
            return ParagraphStyle(
                name, fontName=font, fontSize=size, leading=leading, wordWrap="CJK", **kw
            )

        self.font = font
        self.fitted: dict[tuple[tuple[str, ...], float, str], Any] = {}
        self.title = style("title", 18, 24, alignment=TA_CENTER, spaceAfter=2 * mm)
        self.subtitle = style("subtitle", 10.5, 14, alignment=TA_CENTER, textColor=RULE)
        self.h2 = style("h2", 12, 16, textColor=ACCENT, spaceBefore=4 * mm, spaceAfter=1.5 * mm)
        self.body = style("body", 9.5, 13.5)
        self.cell = style("cell", 8.5, 11)
        self.small = style("small", 7.5, 10, textColor=RULE)
        self.notice = style(
            "notice", 11, 16, textColor=ACCENT, borderColor=ACCENT, borderWidth=0.6,
            borderPadding=3 * mm, spaceBefore=3 * mm, spaceAfter=4 * mm,
        )  # fmt: skip


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(printable(text)).replace("\n", "<br/>"), style)


def _cell_commands(font: str, size: float) -> list[tuple[Any, ...]]:
    """What every cell of a data table looks like (font, colour, alignment, padding)."""
    every = ((0, 0), (-1, -1))
    return [
        ("FONT", *every, font, size, size + LEADING_EXTRA),
        ("TEXTCOLOR", *every, INK),
        ("VALIGN", *every, "TOP"),
        ("TOPPADDING", *every, PAD_TOP),
        ("BOTTOMPADDING", *every, PAD_BOTTOM),
        ("LEFTPADDING", *every, PAD_SIDE),
        ("RIGHTPADDING", *every, PAD_SIDE),
    ]


def _table(
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    font: str,
    *,
    header: bool = True,
    right_cols: Sequence[int] = (),
    size: float = 8.5,
    total_row: bool = False,
) -> Table:
    t = Table([list(r) for r in rows], colWidths=list(widths), repeatRows=1 if header else 0)
    cmds: list[tuple[Any, ...]] = [
        *_cell_commands(font, size),
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
    ]
    if header:
        cmds.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
    if total_row:
        cmds.append(("BACKGROUND", (0, -1), (-1, -1), SHADE))
    for c in right_cols:
        cmds.append(("ALIGN", (c, 1 if header else 0), (c, -1), "RIGHT"))
    t.setStyle(TableStyle(cmds))
    return t


class _CellParagraph(Paragraph):  # type: ignore[misc]
    """A table cell's paragraph that breaks its lines once per width.

    The same reasons text fills hundreds of cells of a long report; one instance serves them
    all (cells are measured and drawn one after another), so the CJK line breaking runs once.
    """

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:
        done = self.__dict__.setdefault("_done", {})
        hit = done.get(aW)
        if hit is None:
            w, h = super().wrap(aW, aH)
            done[aW] = (w, h, self.__dict__["blPara"], self.__dict__["_wrapWidths"])
            return w, h
        w, h, blpara, widths = hit
        self.width, self.height, self.blPara, self._wrapWidths = w, h, blpara, widths
        return w, h


def _row_heights(
    rows: Sequence[Sequence[Any]], widths: Sequence[float], size: float
) -> list[float]:
    """Each row's height as reportlab's Table measures it with the style of :func:`_table`.

    (Table._calc_height: text is leading × lines, a flowable its wrapped height, plus padding;
    tests/test_reports_pdf.py holds the two to the same figures.)
    """
    leading = size + LEADING_EXTRA
    inner = [w - 2 * PAD_SIDE for w in widths]
    room = 72000 - PAD_TOP - PAD_BOTTOM
    out: list[float] = []
    for row in rows:
        h = 0.0
        for value, w in zip(row, inner, strict=True):
            if isinstance(value, str):
                t = leading * (value.count("\n") + 1)
            elif isinstance(value, Flowable):
                t = value.wrap(w, room)[1]
            else:
                t = leading * len(str(value).split("\n"))
            t += PAD_BOTTOM + PAD_TOP
            h = max(h, t)
        out.append(h)
    return out


class _CellText(PDFTextObject):  # type: ignore[misc]
    """The text of one page of table cells, written as ``canvas.drawString`` writes it.

    reportlab encodes a string for the embedded font's subsets at every draw; a long report
    draws the same few reasons, types and names thousands of times, so each distinct string
    is encoded (and measured) once per document here. Each line is its own text block, with
    the same operators drawString gives it, so the page reads (and extracts) the same.
    """

    def __init__(self, canvas: Canvas) -> None:
        super().__init__(canvas)
        self._face = getFont(self._fontname)
        known = _ENCODED.setdefault(canvas._doc, {}).get((self._fontname, self._fontsize))
        if known is None:
            known = _Encoded({}, {}, {})
            _ENCODED[canvas._doc][(self._fontname, self._fontsize)] = known
        self._known = known
        self._tf = f"{fp_str(self._fontsize)} Tf {fp_str(self._leading)} TL"
        self._lines = 0
        self._curSubset: int = -1

    def width(self, text: str) -> float:
        """The width of ``text`` in this object's font and size."""
        w = self._known.widths.get(text)
        if w is None:
            w = self._known.widths[text] = stringWidth(text, self._fontname, self._fontsize)
        return w

    def _formatText(self, text: str) -> str:
        known = self._known
        parts = known.parts.get(text)
        if parts is None:
            if not self._face._dynamicFont:
                return str(super()._formatText(text))
            canv = self._canvas
            parts = known.parts[text] = tuple(
                (subset, f"({canv._escape(t)}) Tj")
                for subset, t in self._face.splitString(text, canv._doc)
            )
        out = []
        for subset, op in parts:
            if subset != self._curSubset:
                font = known.fonts.get(subset)
                if font is None:
                    name = self._face.getSubsetInternalName(subset, self._canvas._doc)
                    font = known.fonts[subset] = f"{name} {self._tf}"
                out.append(font)
                self._curSubset = subset
            out.append(op)
        return " ".join(out)

    def put(self, x: float, y: float, text: str) -> None:
        """One line of text with its baseline starting at (x, y), in a text block of its own."""
        if self._lines:
            self._code += ("ET", "BT")
            self._curSubset = -1
        else:
            self._code.pop()  # the origin the object was made with
        self._lines += 1
        self.setTextOrigin(x, y)
        self._code.append(f"{self._formatText(text)} T*")


@dataclass(frozen=True)
class _Encoded:
    """What _CellText knows of one font and size in one document: each string's operators
    and width, each subset's font operator."""

    parts: dict[str, tuple[tuple[int, str], ...]]
    widths: dict[str, float]
    fonts: dict[int, str]


# Per PDF document (see _CellText), gone with the document.
_ENCODED: WeakKeyDictionary[Any, dict[tuple[str, float], _Encoded]] = WeakKeyDictionary()


def _cell_lines(value: Any) -> list[str] | None:
    """The lines a cell prints: a string's, or a wrapped plain left-aligned paragraph's
    (as reportlab broke them); None for anything else."""
    if isinstance(value, str):
        return value.split("\n")
    if not isinstance(value, Flowable):
        return str(value).split("\n")
    para = getattr(value, "blPara", None)
    if not isinstance(value, Paragraph) or para is None or para.kind != 0:
        return None
    if value.style.alignment != TA_LEFT or value.style.firstLineIndent:
        return None
    return [" ".join(words) for _extra, words in para.lines]


class _PagedTable(Flowable):  # type: ignore[misc]
    """A long table (thousands of rows) laid out one page at a time, at the cost of one page.

    reportlab splits a long Table by building the whole remainder again at every page break and
    measuring it again: quadratic in the rows; and it draws every cell on its own. Here the rows
    are measured once (the heights reportlab's Table gives them), a page takes the rows that
    fit (reportlab's rule) with the header row repeated, and draws them as :func:`_table` would:
    header shaded, text at the same baselines, grid over all, a page's text in one text object.
    """

    def __init__(
        self,
        rows: list[list[Any]],
        widths: Sequence[float],
        font: str,
        right_cols: Sequence[int] = (),
        size: float = 8.5,
    ) -> None:
        super().__init__()
        self.hAlign = "CENTER"  # as a Table
        self._head, self._body = rows[0], rows[1:]
        self._widths = list(widths)
        self._font, self._size, self._right = font, size, frozenset(right_cols)
        self._heights = _row_heights(rows, widths, size)
        self._width = sum(widths)

    def _part(self, first: int, end: int) -> _PagedTable:
        """Body rows [first, end), already measured (no layout state carried over)."""
        part = object.__new__(_PagedTable)
        Flowable.__init__(part)
        part.__dict__.update({k: v for k, v in self.__dict__.items() if k in _PAGED_TABLE_STATE})
        part._body = self._body[first:end]
        part._heights = [self._heights[0], *self._heights[first + 1 : end + 1]]
        return part

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:
        return self._width, sum(self._heights)

    def split(self, aW: float, aH: float) -> list[Flowable]:
        # reportlab's rule: the last row boundary at or above the available height, never
        # before the first body row (Table._getFirstPossibleSplitRowPosition).
        used, n = 0.0, 0
        for h in self._heights:
            if used + h > aH:
                break
            used += h
            n += 1
        if n <= 1:
            return []
        if n == len(self._heights):
            return [self]
        return [self._part(0, n - 1), self._part(n - 1, len(self._body))]

    def draw(self) -> None:
        canv = self.canv
        widths, heights, size = self._widths, self._heights, self._size
        lefts = [sum(widths[:c]) for c in range(len(widths))]
        total = sum(heights)
        canv.saveState()
        canv.setFillColor(SHADE)
        canv.rect(0, total - heights[0], self._width, heights[0], stroke=0, fill=1)
        canv.setFillColor(INK)
        canv.setFont(self._font, size, size + LEADING_EXTRA)
        text = _CellText(canv)
        top = total
        for r, (row, h) in enumerate(zip([self._head, *self._body], heights, strict=True)):
            for c, value in enumerate(row):
                lines = _cell_lines(value)
                if lines is None:  # a flowable drawn by itself, as Table does (VALIGN TOP)
                    canv.drawText(text)
                    _w, fh = value.wrap(widths[c] - 2 * PAD_SIDE, h)
                    value.drawOn(canv, lefts[c] + PAD_SIDE, top - PAD_TOP - fh)
                    canv.setFillColor(INK)
                    canv.setFont(self._font, size, size + LEADING_EXTRA)
                    text = _CellText(canv)
                    continue
                y = top - PAD_TOP - size
                right = r > 0 and c in self._right
                for line in lines:
                    if right:
                        x = lefts[c] + widths[c] - PAD_SIDE - text.width(line)
                    else:
                        x = lefts[c] + PAD_SIDE
                    text.put(x, y, line)
                    y -= size + LEADING_EXTRA
            top -= h
        canv.drawText(text)
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.4)
        canv.setLineCap(1)
        canv.setLineJoin(1)
        ys = [total]
        for h in heights:
            ys.append(ys[-1] - h)
        xs = [*lefts, self._width]
        canv.lines([(0, y, self._width, y) for y in ys] + [(x, ys[-1], x, total) for x in xs])
        canv.restoreState()


# What a page's part of a _PagedTable shares with the whole table.
_PAGED_TABLE_STATE = ("hAlign", "_head", "_widths", "_font", "_size", "_right", "_width")


def _when(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d %H:%M") if dt else DASH


def _seconds(value: float | None) -> str:
    if value is None:
        return DASH
    if value < 600:
        return f"{value:.0f} 秒"
    return f"{value / 60:.1f} 分钟"


def _count_table(
    title: str, rows: Sequence[CountRow], font: str, extra: Sequence[CountRow] = ()
) -> Table:
    vehicles = sum(r.vehicles for r in rows)
    body: list[list[Any]] = [[title, "车辆（辆）", "占比", "人员（人）"]]
    for r in rows:
        share = f"{100 * r.vehicles / vehicles:.1f}%" if vehicles else DASH
        body.append([r.label, f"{r.vehicles:,}", share, f"{r.people:,}"])
    body.append(
        ["合计", f"{vehicles:,}", "100%" if vehicles else DASH, f"{sum(r.people for r in rows):,}"]
    )
    for r in extra:
        share = f"{100 * r.vehicles / vehicles:.1f}%" if vehicles else DASH
        body.append([f"其中{r.label}", f"{r.vehicles:,}", share, f"{r.people:,}"])
    w = CONTENT_W / 2 - 3 * mm
    t = _table(body, [w * 0.40, w * 0.22, w * 0.16, w * 0.22], font, right_cols=(1, 2, 3))
    t.setStyle(TableStyle([("BACKGROUND", (0, len(rows) + 1), (-1, len(rows) + 1), SHADE)]))
    return t


def _side_by_side(left: Flowable, right: Flowable, font: str) -> Table:
    t = Table([[left, right]], colWidths=[CONTENT_W / 2, CONTENT_W / 2])
    t.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return t


def _province_table(rows: Sequence[CountRow], font: str, per_line: int = 6) -> Table:
    cells: list[list[str]] = []
    line: list[str] = []
    for r in rows:
        line += [r.label, f"{r.vehicles:,}"]
        if len(line) == 2 * per_line:
            cells.append(line)
            line = []
    if line or not cells:
        line += [""] * (2 * per_line - len(line))
        cells.append(line)
    header = ["省份", "车辆"] * per_line
    w = CONTENT_W / per_line
    t = _table([header, *cells], [w * 0.42, w * 0.58] * per_line, font,
               right_cols=tuple(range(1, 2 * per_line, 2)))  # fmt: skip
    return t


def _hourly_chart(hours: Sequence[HourBucket], font: str, title: str) -> Drawing:
    height = 62 * mm
    d = Drawing(CONTENT_W, height, initialFontName=font)
    chart = VerticalBarChart()
    chart.x, chart.y = 12 * mm, 10 * mm
    chart.width, chart.height = CONTENT_W - 16 * mm, height - 20 * mm
    values = [h.vehicles for h in hours]
    chart.data = [values]
    top = max(values, default=0)
    step = _nice_step(top)
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(step * (-(-top // step) + (1 if top % step == 0 else 0)), step)
    chart.valueAxis.valueStep = step
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.gridStrokeColor = SHADE
    chart.valueAxis.visibleGrid = True
    chart.categoryAxis.categoryNames = [h.label[:2] if len(hours) > 12 else h.label for h in hours]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7 if len(hours) > 12 else 8
    chart.categoryAxis.labels.dy = -2
    chart.bars[0].fillColor = BAR
    chart.bars[0].strokeColor = None
    chart.barSpacing = 1
    chart.groupSpacing = 4 if len(hours) > 12 else 10
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 6.5 if len(hours) > 12 else 7.5
    chart.barLabels.nudge = 6
    d.add(chart)
    d.add(String(12 * mm, height - 6 * mm, title, fontName=font, fontSize=9, fillColor=INK))
    d.add(String(CONTENT_W - 4 * mm, 2 * mm, "时（本地时间）", fontName=font, fontSize=7,
                 fillColor=RULE, textAnchor="end"))  # fmt: skip
    return d


def _nice_step(top: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if top / step <= 6:
            return step
    return 10_000


def _step_table(times: Sequence[StepTiming], font: str) -> Table:
    rows: list[list[Any]] = [["环节", "平均用时", "P90 用时", "样本（辆）"]]
    for t in times:
        rows.append([t.label, _seconds(t.mean_seconds), _seconds(t.p90_seconds), f"{t.samples:,}"])
    w = CONTENT_W / 2 - 3 * mm
    return _table(rows, [w * 0.28, w * 0.24, w * 0.24, w * 0.24], font, right_cols=(1, 2, 3),
                  total_row=True)  # fmt: skip


def _outcome(e: ExceptionEntry) -> tuple[str, ...]:
    marks = tuple(m for m, on in (("已更正", e.corrected), (BACK_ENTRY_ZH, e.back_entered)) if on)
    if e.overridden and e.suggested is not None:
        return (f"{e.suggested.zh} →", e.outcome_zh, *marks)
    return (e.outcome_zh, *marks)


def _fit(lines: Sequence[str], width: float, st: _Styles, joiner: str = "、") -> Any:
    """Plain lines when each fits the column (fast), else a CJK-wrapped paragraph.

    Decided once per distinct text and width: a long report repeats a few reasons thousands
    of times, and cells with the same text share one paragraph (see _CellParagraph).
    """
    key = (tuple(lines), width, joiner)
    made = st.fitted.get(key)
    if made is None:
        room = width - 2 * PAD_SIDE
        text = [printable(line) for line in lines]
        if all(stringWidth(line, st.font, st.cell.fontSize) <= room for line in text):
            made = "\n".join(text)
        else:
            made = _CellParagraph(escape(joiner.join(text)).replace("\n", "<br/>"), st.cell)
        st.fitted[key] = made
    return made


def _exception_table(
    items: Sequence[ExceptionEntry], st: _Styles, *, with_shift: bool = False
) -> Flowable:
    head = ["序号", "时间", "车牌", "车型", "人数", "原因", "处置", "决定人"]
    widths = [10 * mm, 15 * mm, 19 * mm, 13 * mm, 9 * mm, 55 * mm, 40 * mm, 19 * mm]
    if with_shift:
        head.insert(2, "班次")
        widths.insert(2, 10 * mm)
        widths[6] -= 10 * mm
    rows: list[list[Any]] = [head]
    reason_w, outcome_w = widths[-3], widths[-2]
    for i, e in enumerate(items, 1):
        reasons = e.reasons or ((DASH,) if e.final is not None else ("尚未完成分流",))
        row: list[Any] = [
            str(i),
            e.at.strftime("%H:%M:%S"),
            e.plate_masked,
            e.vehicle_type,
            str(e.people),
            _fit(reasons, reason_w, st),
            _fit(_outcome(e), outcome_w, st, joiner=" "),
            e.decided_by or DASH,
        ]
        if with_shift:
            row.insert(2, str(e.shift_number))
        rows.append(row)
    return _PagedTable(rows, widths, st.font, (0, 5 if with_shift else 4))


def _override_table(items: Sequence[ExceptionEntry], st: _Styles) -> Flowable:
    rows: list[list[Any]] = [["序号", "时间", "车牌", "建议处置", "实际处置", "改判理由", "决定人"]]
    for i, e in enumerate(items, 1):
        rows.append(
            [
                str(i),
                e.at.strftime("%H:%M:%S"),
                e.plate_masked,
                e.suggested.zh if e.suggested else DASH,
                e.final.zh if e.final else DASH,
                _p(e.override_reason or "", st.cell),
                e.decided_by or DASH,
            ]
        )
    widths = [10 * mm, 15 * mm, 19 * mm, 24 * mm, 24 * mm, 69 * mm, 19 * mm]
    return _PagedTable(rows, widths, st.font, (0,))


def _signatures(st: _Styles, left: str, right: str) -> Table:
    line = "________________________"
    rows = [
        [f"{left}（签字）：", line, f"{right}（签字）：", line],
        ["日期时间：", line, "日期时间：", line],
    ]
    w = CONTENT_W
    t = Table(rows, colWidths=[w * 0.2, w * 0.28, w * 0.2, w * 0.28], rowHeights=12 * mm)
    t.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), st.font, 10, 13),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return t


def _header_grid(pairs: Sequence[tuple[str, str]], st: _Styles) -> Table:
    rows: list[list[Any]] = []
    for i in range(0, len(pairs), 2):
        left, right = pairs[i], pairs[i + 1] if i + 1 < len(pairs) else ("", "")
        rows.append([left[0], _p(left[1], st.body), right[0], _p(right[1], st.body)])
    w = CONTENT_W
    t = Table(rows, colWidths=[w * 0.13, w * 0.37, w * 0.13, w * 0.37])
    t.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), st.font, 9.5, 13.5),
                ("TEXTCOLOR", (0, 0), (0, -1), RULE),
                ("TEXTCOLOR", (2, 0), (2, -1), RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, -1), (-1, -1), 0.6, ACCENT),
                ("LINEABOVE", (0, 0), (-1, 0), 0.6, ACCENT),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return t


def _figures_section(f: Figures, st: _Styles, *, hourly_title: str) -> list[Flowable]:
    out: list[Flowable] = [
        _p("二、车流与人员", st.h2),
        _p(
            f"查验车辆 {f.vehicles:,} 辆，司乘人员 {f.people:,} 人；"
            f"平均每小时 {f.vehicles_per_hour:.1f} 辆；"
            f"异常 {len(f.exceptions):,} 起，其中改判 {len(f.overrides):,} 起。",
            st.body,
        ),
        Spacer(1, 2 * mm),
        _side_by_side(
            _count_table("车型", f.by_vehicle_type, st.font),
            _count_table("处置", f.by_disposition, st.font, extra=(f.reported_to_community,)),
            st.font,
        ),
        _p(
            f"注：{REPORT_TO_COMMUNITY_ZH}与分流去向并存，另行统计，不计入合计。",
            st.small,
        ),
        KeepTogether(
            [_p("按来源省份（车牌归属地）", st.h2), _province_table(f.by_province, st.font)]
        ),
        KeepTogether([Spacer(1, 3 * mm), _hourly_chart(f.hourly, st.font, hourly_title)]),
        KeepTogether(
            [
                _p("三、各环节用时（通行效率）", st.h2),
                _side_by_side(
                    _step_table(f.step_times, st.font),
                    _p(
                        "引导：登记至引导完成；核验：引导完成至核验完成；录入：核验完成至录入"
                        "完成；分流：录入完成至分流完成；全程：登记至分流完成。"
                        "P90 为九成车辆不超过的用时。",
                        st.small,
                    ),
                    st.font,
                ),
            ]
        ),
    ]
    return out


def _exceptions_section(
    f: Figures, st: _Styles, number: str, *, with_shift: bool = False
) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(40 * mm)]
    scope = "未直接放行、落地报备、改判或未完成"
    out.append(_p(f"{number}、异常情况（{len(f.exceptions):,} 起：{scope}）", st.h2))
    if f.exceptions:
        out.append(_exception_table(f.exceptions, st, with_shift=with_shift))
    else:
        out.append(_p("本班无异常车辆。" if not with_shift else "本日无异常车辆。", st.body))
    out.append(CondPageBreak(30 * mm))
    out.append(_p(f"改判记录（{len(f.overrides):,} 起）", st.h2))
    if f.overrides:
        out.append(_override_table(f.overrides, st))
    else:
        out.append(_p("无改判。", st.body))
    return out


def _staff_table(report: ShiftReport, st: _Styles) -> Table:
    by_role = {s.role: s.names for s in report.header.staff}
    cells = [(role.zh, "、".join(by_role.get(role, ())) or DASH) for role in Role]
    rows: list[list[Any]] = []
    for i in range(0, len(cells), 2):
        (r1, n1), (r2, n2) = cells[i], cells[i + 1] if i + 1 < len(cells) else ("", "")
        rows.append([r1, _p(n1, st.cell), r2, _p(n2, st.cell)])
    w = CONTENT_W
    t = _table(rows, [w * 0.12, w * 0.38, w * 0.12, w * 0.38], st.font, header=False)
    t.setStyle(TableStyle([("BACKGROUND", (0, 0), (0, -1), SHADE),
                           ("BACKGROUND", (2, 0), (2, -1), SHADE)]))  # fmt: skip
    return t


def _scope_row(scope: ReadScope | None) -> list[tuple[str, str]]:
    """The 统计范围 row: the whole checkpoint (its server) or this lane only, and why."""
    return [("统计范围", scope.text_zh())] if scope is not None else []


def _shift_story(report: ShiftReport, st: _Styles) -> list[Flowable]:
    h, f = report.header, report.figures
    story: list[Flowable] = [
        _p("交接班报告", st.title),
        _p(f"{h.site}　{h.duty_date:%Y年%m月%d日}　{h.name_zh}", st.subtitle),
        Spacer(1, 4 * mm),
        _header_grid(
            [
                ("卡口", h.site),
                ("车道", "、".join(h.lanes) or DASH),
                ("执勤日期", h.duty_date.isoformat()),
                ("班次", f"第{h.number}班 {h.name_zh}（{h.hours_text}）"),
                ("组长", h.leader or DASH),
                ("接班组长", h.handover_to or DASH),
                ("交班时间", _when(h.closed_at) if h.opened else "本班未开班"),
                ("生成时间", _when(report.generated_at)),
                *_scope_row(report.scope),
            ],
            st,
        ),
    ]
    if not h.opened:
        story.append(_p("本班未开班，无在岗人员与查验记录。此报告为空报告。", st.notice))
    elif report.empty:
        story.append(_p("本班无车辆查验记录。此报告为空报告，各项统计均为零。", st.notice))
    story += [_p("一、在岗人员", st.h2), _staff_table(report, st)]
    story += _figures_section(f, st, hourly_title="分时车流量（辆/小时）")
    story += _exceptions_section(f, st, "四")
    if report.leader is not None:
        story += _leader_flowables(report.leader, st)
    story += [
        CondPageBreak(70 * mm),
        _p("五、交接事项", st.h2),
        _header_grid(
            [
                ("交接说明", h.handover_note or NONE_ZH),
                ("遗留问题", h.open_issues or NONE_ZH),
            ],
            st,
        ),
        Spacer(1, 4 * mm),
        KeepTogether(
            [_p("以上情况属实，已当面交接。", st.body), _signatures(st, "交班组长", "接班组长")]
        ),
    ]
    return story


def _day_grid(report: DayReport, st: _Styles) -> Table:
    cols: list[tuple[str, Figures, str]] = [
        (f"{s.header.name_zh}\n{s.header.hours_text}", s.figures, s.header.leader or DASH)
        for s in report.shifts
    ]
    cols.append(("全天", report.day, DASH))

    def line(label: str, value: Callable[[Figures], str]) -> list[str]:
        return [label, *(value(f) for _, f, _ in cols)]

    rows: list[list[str]] = [["项目", *(c[0] for c in cols)]]
    rows.append(["组长", *(c[2] for c in cols)])
    rows.append(line("人员（人）", lambda f: f"{f.people:,}"))
    # the indented rows below count vehicles: they follow the vehicles row, not the people row
    rows.append(line("车辆（辆）", lambda f: f"{f.vehicles:,}"))
    for v in VehicleType:
        rows.append(line(f"　{v.zh}", lambda f, v=v: f"{f.vehicle_type(v).vehicles:,}"))  # type: ignore[misc]
    for d in Disposition:
        rows.append(line(f"　{d.zh}", lambda f, d=d: f"{f.disposition(d).vehicles:,}"))  # type: ignore[misc]
    rows.append(
        line(f"　{REPORT_TO_COMMUNITY_ZH}", lambda f: f"{f.reported_to_community.vehicles:,}")
    )
    rows.append(line("异常（起）", lambda f: f"{len(f.exceptions):,}"))
    rows.append(line("改判（起）", lambda f: f"{len(f.overrides):,}"))
    rows.append(line("每小时车辆", lambda f: f"{f.vehicles_per_hour:.1f}"))
    for i, label in ((1, "核验平均用时"), (4, "全程 P90 用时")):
        attr = "mean_seconds" if "平均" in label else "p90_seconds"
        rows.append(line(label, lambda f, i=i, a=attr: _seconds(getattr(f.step_times[i], a))))  # type: ignore[misc]
    n = len(cols)
    first = CONTENT_W * 0.24
    t = _table(rows, [first, *([(CONTENT_W - first) / n] * n)], st.font,
               right_cols=tuple(range(1, n + 1)), size=9)  # fmt: skip
    t.setStyle(
        TableStyle([("BACKGROUND", (n, 1), (n, -1), SHADE), ("ALIGN", (1, 0), (-1, 0), "CENTER")])
    )
    return t


def _day_story(report: DayReport, st: _Styles) -> list[Flowable]:
    story: list[Flowable] = [
        _p("每日一报", st.title),
        _p(f"{report.site}　{report.duty_date:%Y年%m月%d日}", st.subtitle),
        Spacer(1, 4 * mm),
        _header_grid(
            [
                ("卡口", report.site),
                ("车道", "、".join(report.lanes) or DASH),
                ("执勤日期", report.duty_date.isoformat()),
                ("生成时间", _when(report.generated_at)),
                *_scope_row(report.scope),
            ],
            st,
        ),
        _p("一、各班次对照", st.h2),
        _day_grid(report, st),
    ]
    not_opened = [s.header.name_zh for s in report.shifts if not s.header.opened]
    if not_opened:
        story.append(_p(f"未开班：{'、'.join(not_opened)}。", st.body))
    if report.day.vehicles == 0:
        story.append(_p("本日无车辆查验记录。", st.notice))
    story += _figures_section(report.day, st, hourly_title="全天分时车流量（辆/小时）")
    story += _exceptions_section(report.day, st, "四", with_shift=True)
    if report.leader is not None:
        story += _leader_flowables(report.leader, st, per_lane=True)
    issues = [
        f"{s.header.name_zh}：{s.header.open_issues}"
        for s in report.shifts
        if s.header.open_issues and s.header.open_issues != NONE_ZH
    ]
    story += [
        CondPageBreak(60 * mm),
        _p("五、遗留问题", st.h2),
        _p("\n".join(issues) or NONE_ZH, st.body),
        Spacer(1, 6 * mm),
        KeepTogether([_signatures(st, "填报人", "点长")]),
    ]
    return story


def _clock(dt: datetime | None) -> str:
    return dt.strftime("%H:%M") if dt else DASH


def _response_rows(r: ResponseView, st: _Styles) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for i, m in enumerate(r.measures):
        if m.done_at is None:
            state = "未完成" if r.closed_at is None else "未完成（已关闭）"
        else:
            state = "超时完成" if m.late else "按时完成"
        head = [r.lane, r.plate_masked, f"{r.trigger_zh}\n{_when(r.started_at)}"] if i == 0 else [
            "", "", ""
        ]
        rows.append(
            [*head, _p(m.zh, st.cell), f"{m.minutes} 分钟\n{_clock(m.due_at)}",
             _clock(m.done_at), m.done_by or DASH, state]
        )  # fmt: skip
    note = f"（{r.close_note}）" if r.close_note else ""
    closing = f"关闭：{_when(r.closed_at)} {r.closed_by or ''}{note}" if r.closed_at else "尚未关闭"
    rows.append(["", "", "", _p(closing, st.cell), "", "", "", ""])
    return rows


def _listing(
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    st: _Styles,
    empty: str,
    right_cols: Sequence[int] = (),
) -> list[Flowable]:
    """A titled table of the leader's section, or one line saying there is nothing."""
    out: list[Flowable] = [CondPageBreak(30 * mm), _p(title, st.h2)]
    if rows:
        out.append(_table([header, *rows], widths, st.font, right_cols=right_cols, size=8))
    else:
        out.append(_p(empty, st.body))
    return out


def _leader_flowables(
    section: LeaderSection, st: _Styles, *, per_lane: bool = False
) -> list[Flowable]:
    """136 responses, corrections (old → new) and back-entries; per lane on the daily report."""
    out: list[Flowable] = [CondPageBreak(10 * mm)]
    out += _listing(
        f"136 应急处置（{len(section.responses):,} 起）",
        ["车道", "车牌", "启动原因与时间", "措施", "时限", "完成", "完成人", "状态"],
        [row for r in section.responses for row in _response_rows(r, st)],
        [16 * mm, 17 * mm, 27 * mm, 55 * mm, 17 * mm, 12 * mm, 16 * mm, 20 * mm],
        st,
        "无 136 应急处置。",
    )
    out += _listing(
        f"更正记录（{len(section.corrections):,} 条，保留原值）",
        ["时间", "车道", "车牌", "项目", "原值", "新值", "更正原因", "更正人"],
        [
            [_when(c.at)[5:], c.lane, c.plate_masked, c.field_zh, _p(c.old_zh, st.cell),
             _p(c.new_zh, st.cell), _p(c.reason, st.cell), c.by]
            for c in section.corrections
        ],
        [20 * mm, 16 * mm, 17 * mm, 20 * mm, 22 * mm, 22 * mm, 45 * mm, 18 * mm],
        st,
        "无更正。",
    )
    out += _listing(
        f"{BACK_ENTRY_ZH}记录（纸质台账，{section.back_entered:,} 辆）",
        ["车道", "文件", "车辆（辆）", "人员（人）", "录入人", "录入时间"],
        [
            [b.lane, _p(b.source, st.cell), f"{b.vehicles:,}", f"{b.people:,}", b.by, _when(b.at)]
            for b in section.back_entries
        ],
        [22 * mm, 60 * mm, 20 * mm, 20 * mm, 20 * mm, 38 * mm],
        st,
        f"无{BACK_ENTRY_ZH}。",
        right_cols=(2, 3),
    )
    if per_lane:
        out += _listing(
            "各车道汇总",
            ["车道", "车辆（辆）", "人员（人）", f"其中{BACK_ENTRY_ZH}", "更正（辆）", "136 处置"],
            [
                [t.lane, f"{t.vehicles:,}", f"{t.people:,}", f"{t.back_entered:,}",
                 f"{t.corrected:,}", f"{t.responses:,}"]
                for t in section.lanes
            ],
            [CONTENT_W / 6] * 6,
            st,
            "本日无车辆。",
            right_cols=(1, 2, 3, 4, 5),
        )
    return out


@dataclass(frozen=True)
class RenderedPdf:
    """A finished PDF and its page count."""

    data: bytes
    pages: int


def _canvas_class(left: str, pages: list[int]) -> type[Canvas]:
    """A canvas that holds every page until the end, to print "第 x 页 / 共 y 页"."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            pages.append(total)
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            font = register_cjk_font()
            self.saveState()
            self.setStrokeColor(RULE)
            self.setLineWidth(0.4)
            self.line(MARGIN, 12 * mm, PAGE_W - MARGIN, 12 * mm)
            self.setFont(font, 7.5)
            self.setFillColor(RULE)
            self.drawString(MARGIN, 8 * mm, left)
            self.setFillColor(INK)
            self.setFont(font, 8.5)
            self.drawRightString(
                PAGE_W - MARGIN, 8 * mm, f"第 {self._pageNumber} 页 / 共 {total} 页"
            )
            self.restoreState()

    return NumberedCanvas


def _build(story: list[Flowable], title: str, footer: str) -> RenderedPdf:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=18 * mm,
        title=title,
        author="卡口查验台 Checkpoint Desk",
        subject=footer,
        creator="Checkpoint Desk",
        initialFontName=register_cjk_font(),
    )
    pages: list[int] = []
    doc.build(story, canvasmaker=_canvas_class(footer, pages))
    return RenderedPdf(buf.getvalue(), pages[-1])


def shift_report_pdf(report: ShiftReport) -> RenderedPdf:
    """The handover report as PDF bytes."""
    st = _Styles(register_cjk_font())
    h = report.header
    footer = (
        f"{h.site} · 交接班报告 {h.duty_date.isoformat()} {h.name_zh} · "
        f"数据摘要 {short_digest(report.digest)}"
    )
    story = _shift_story(report, st)
    if report.audit_head is not None:
        head = report.audit_head
        story.append(_p(f"审计链头 audit chain head (#{head.seq}): {head.hash}", st.small))
    return _build(story, report.title, footer)


def day_report_pdf(report: DayReport) -> RenderedPdf:
    """The daily report as PDF bytes."""
    st = _Styles(register_cjk_font())
    footer = (
        f"{report.site} · 每日一报 {report.duty_date.isoformat()} · "
        f"数据摘要 {short_digest(report.digest)}"
    )
    return _build(_day_story(report, st), report.title, footer)


def report_pdf(report: ShiftReport | DayReport) -> RenderedPdf:
    """Either report as PDF bytes."""
    if isinstance(report, ShiftReport):
        return shift_report_pdf(report)
    return day_report_pdf(report)


def save_pdf(data: bytes, path: Path) -> None:
    """Write PDF bytes to ``path`` atomically: a half-written file never replaces a good one."""
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CheckpointError(f"Cannot write {path}: {exc.strerror or exc}.") from exc


def write_pdf(report: ShiftReport | DayReport, path: Path) -> RenderedPdf:
    """Render ``report`` and write it to ``path``."""
    pdf = report_pdf(report)
    save_pdf(pdf.data, path)
    return pdf
