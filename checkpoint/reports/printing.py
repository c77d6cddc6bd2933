"""Print a report PDF as vector pages: the chosen pages to a PDF file, or to a CUPS printer.

A report is made once, as PDF (:mod:`checkpoint.reports.pdf`); printing never re-draws it as a
picture. The pages the print dialog chose are cut out of that PDF unchanged (text stays text)
and either written to a file ("print to file") or handed to CUPS with ``lp`` (Linux, macOS and
other Unix desktops), which passes a PDF to the printer's own filters. The dialog's choices
travel as a plain :class:`PrintJob`, so this module has no Qt in it.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError

from checkpoint.errors import CheckpointError

LP_TIMEOUT_S = 60.0


# One- or two-sided printing, by the names CUPS gives them (``lp -o sides=...``).
Sides = Literal["one-sided", "two-sided-long-edge", "two-sided-short-edge"]


@dataclass(frozen=True)
class PrintJob:
    """What the print dialog chose: which pages (1-based, inclusive), how many copies, where."""

    title: str
    first_page: int
    last_page: int
    copies: int = 1
    collate: bool = True
    sides: Sides | None = None
    printer: str | None = None

    def pages(self) -> range:
        """The chosen pages as 0-based indexes, in order."""
        return range(self.first_page - 1, self.last_page)

    def sheet_order(self) -> list[int]:
        """Every page to put on paper, copies included (collated: 1 2 3 1 2 3; not: 1 1 2 2 3 3)."""
        pages = list(self.pages())
        if self.collate:
            return pages * self.copies
        return [p for p in pages for _ in range(self.copies)]


class PrintError(CheckpointError):
    """A report could not be printed: the pages, the printer or the print system said no."""


def _reader(pdf: bytes) -> PdfReader:
    try:
        return PdfReader(io.BytesIO(pdf))
    except (PdfReadError, ValueError, OSError) as exc:
        raise PrintError(f"The report PDF cannot be read for printing ({exc}).") from exc


def page_count(pdf: bytes) -> int:
    """How many pages the PDF ``pdf`` has."""
    return len(_reader(pdf).pages)


def plan_job(
    title: str,
    pages: int,
    *,
    page_range: tuple[int, int] | None = None,
    copies: int = 1,
    collate: bool = True,
    sides: Sides | None = None,
    printer: str | None = None,
) -> PrintJob:
    """The job for a ``pages``-page report; a range outside it is one clear sentence.

    ``page_range`` is what the dialog's "pages from–to" holds (``None``: all pages; a ``to`` of
    0 means "to the end", as Qt reports it).
    """
    first, last = 1, pages
    if page_range is not None:
        first = max(page_range[0], 1)
        last = min(page_range[1] or pages, pages)
    if first > last:
        raise PrintError(f"The page range {first}–{last} holds no page of this report.")
    return PrintJob(title, first, last, max(copies, 1), collate, sides, printer)


def select_pages(pdf: bytes, order: Sequence[int]) -> bytes:
    """A new PDF holding the pages ``order`` (0-based, repeats allowed) of ``pdf``, unchanged."""
    reader = _reader(pdf)
    writer = PdfWriter()
    for index in order:
        writer.add_page(reader.pages[index])
    if reader.metadata is not None:
        writer.add_metadata({k: str(v) for k, v in reader.metadata.items()})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def write_to_file(pdf: bytes, job: PrintJob, path: Path) -> int:
    """Print to file: the chosen pages and copies as a PDF at ``path``. Returns the sheets."""
    order = job.sheet_order()
    data = pdf if order == list(range(page_count(pdf))) else select_pages(pdf, order)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise PrintError(f"The print file {path} cannot be written ({exc.strerror}).") from exc
    return len(order)


def lp_program() -> str | None:
    """The CUPS ``lp`` command, where this system has one (never on Windows)."""
    if sys.platform.startswith("win"):
        return None
    return shutil.which("lp")


def lp_command(job: PrintJob, lp: str = "lp") -> list[str]:
    """The ``lp`` command line that prints ``job`` from standard input.

    The chosen pages are cut out beforehand (:func:`send_to_cups`), so no ``-P`` is needed and a
    queue without filters prints the right pages too; copies and collation are the printer's.
    """
    cmd = [lp]
    if job.printer:
        cmd += ["-d", job.printer]
    cmd += ["-t", job.title, "-n", str(job.copies)]
    if job.copies > 1:
        cmd += ["-o", f"collate={'true' if job.collate else 'false'}"]
    if job.sides is not None:
        cmd += ["-o", f"sides={job.sides}"]
    return cmd


def send_to_cups(pdf: bytes, job: PrintJob, lp: str | None = None) -> int:
    """Hand the chosen pages of ``pdf`` to CUPS as one PDF job. Returns the sheets asked for."""
    program = lp or lp_program()
    if program is None:
        raise PrintError("This system has no CUPS 'lp' command; install CUPS to print.")
    data = select_pages(pdf, list(job.pages()))
    try:
        proc = subprocess.run(
            lp_command(job, program),
            input=data,
            capture_output=True,
            timeout=LP_TIMEOUT_S,
            check=False,
            env={**os.environ, "LC_ALL": "C"},
        )
    except subprocess.TimeoutExpired as exc:
        raise PrintError("The print system did not take the job within a minute.") from exc
    except OSError as exc:
        raise PrintError(f"The print command cannot be started ({exc.strerror}).") from exc
    if proc.returncode != 0:
        said = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = said[-1] if said else f"exit code {proc.returncode}"
        name = job.printer or "the default printer"
        raise PrintError(f"The printer {name} refused the job: {reason}.")
    return len(job.sheet_order())
