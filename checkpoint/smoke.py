"""The self-check behind ``app --smoke``: prove an installation works end to end, with no window.

Four steps with the real parts, each timed: open (and migrate) the database, decode the bundled
sample QR image with every decoder library, verify the decoded demo pass and judge it with the
shipped policy, render an (empty) shift report PDF to a temporary file. A failed step raises
:class:`CheckpointError` with one sentence saying what is broken. Used in CI on the frozen
(PyInstaller) build, and by staff after installing on a checkpoint laptop.

The report is rendered from a scratch SQLite database in a temporary folder, so a smoke run
never adds a shift to the lane's real records; the real database is only opened and migrated,
as every start of the app does.

Each step imports its parts inside its function, on purpose: a step's time then includes the
import of what it exercises (as the first use in the app does), and a failed import of one part
(a missing library in a frozen build) fails that step with its sentence, not the whole check.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from checkpoint.config import Settings
from checkpoint.credentials.trust import DEMO_DIR
from checkpoint.errors import CheckpointError

SAMPLE_PASS = DEMO_DIR / "sample-pass.png"
"""A demo-signed CKP1 pass as a QR code PNG (made by installer/make_sample_pass.py)."""

# The sample pass is minted at this instant, valid for SAMPLE_VALID_HOURS; the smoke test
# verifies it an hour later, so the committed image never expires.
SAMPLE_ISSUED_AT = datetime(2022, 4, 18, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai
SAMPLE_VALID_HOURS = 24
SAMPLE_VERIFY_AT = SAMPLE_ISSUED_AT + timedelta(hours=1)
SAMPLE_HOLDER = "张*"
SMOKE_BACKENDS = ("zxing", "zbar", "opencv")
REPORT_DATE = date(2022, 4, 18)
REPORT_SHIFT = 2
READY = "ready"

_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
_T = TypeVar("_T")


class SmokeStep(StrEnum):
    """The four checks, in the order they run."""

    DATABASE = "database"
    DECODE = "decode"
    VERIFY = "verify"
    REPORT = "report"


@dataclass(frozen=True)
class StepResult:
    """One passed check: what it found and how long it took."""

    step: SmokeStep
    detail: str
    ms: float

    def line(self) -> str:
        """e.g. ``decode    12 ms  zxing, zbar, opencv read CKP1:...``."""
        return f"{self.step.value:<9}{self.ms:>7.0f} ms  {self.detail}"


@dataclass(frozen=True)
class SmokeReport:
    """Every check passed; what each one found."""

    steps: tuple[StepResult, ...]
    database: str
    payload: str
    disposition: str
    report_pages: int
    report_bytes: int

    @property
    def total_ms(self) -> float:
        """The time of all four checks."""
        return sum(s.ms for s in self.steps)

    def lines(self) -> list[str]:
        """A short human-readable account, one line per check."""
        return [s.line() for s in self.steps]


@contextmanager
def _step(step: SmokeStep, what: str) -> Iterator[None]:
    """Turn any failure inside a step into one CheckpointError sentence naming the step."""
    try:
        yield
    except CheckpointError as exc:
        raise CheckpointError(f"Self-check failed at {step.value} ({what}): {exc}") from exc
    except Exception as exc:  # a broken bundle shows up as ImportError, OSError, ...
        raise CheckpointError(
            f"Self-check failed at {step.value} ({what}): {type(exc).__name__}: {exc}"
        ) from exc


def _timed(fn: Callable[[], _T]) -> tuple[_T, float]:
    t0 = time.perf_counter()
    value = fn()
    return value, (time.perf_counter() - t0) * 1000


def check_database(settings: Settings) -> str:
    """Open the configured database, migrate it to head and read its revision back."""
    from checkpoint.storage.db import current_revision, head_revision, open_database

    if settings.db_url is None:
        settings.ensure_data_dir()
    db = open_database(settings.database_url)
    try:
        revision = current_revision(db)
        head = head_revision()
        if revision != head:
            raise CheckpointError(f"the schema is at {revision}, not at {head}.")
        return f"{db.safe_url} at revision {revision}"
    finally:
        db.dispose()


def check_decode(image: Path | None = None) -> str:
    """The text of the one QR code in ``image`` (default: the sample pass), read alike by every
    decoder library."""
    from scanners import decode_file

    image = image or SAMPLE_PASS
    if not image.is_file():
        raise CheckpointError(f"the sample image {image} is missing.")
    texts: dict[str, list[str]] = {}
    for backend in SMOKE_BACKENDS:
        texts[backend] = decode_file(image, backend).texts
    first = texts[SMOKE_BACKENDS[0]]
    if len(first) != 1:
        raise CheckpointError(f"zxing found {len(first)} codes in {image.name}, not 1.")
    for backend, found in texts.items():
        if found != first:
            raise CheckpointError(
                f"{backend} read {found!r} from {image.name}, but zxing read {first!r}."
            )
    return first[0]


def check_verify(payload: str, settings: Settings) -> tuple[str, str]:
    """Verify the demo pass offline and judge it with the shipped default policy.

    Returns (one-line description, suggested disposition).
    """
    from checkpoint.credentials import (
        CredentialFormat,
        SignatureStatus,
        ValidityStatus,
        verify_payload,
    )
    from checkpoint.credentials.trust import TrustStore
    from checkpoint.rules.policy import Policy
    from checkpoint.rules.verdicts import evaluate_person, findings_from_credentials

    result = verify_payload(payload, TrustStore(), SAMPLE_VERIFY_AT, demo=True)
    if result.format is not CredentialFormat.CKP1 or not result.decoded:
        raise CheckpointError(f"the sample was not read as a checkpoint pass: {result.errors}.")
    if result.signature is not SignatureStatus.VALID:
        raise CheckpointError(
            f"the demo signature is {result.signature.value}, not valid: {result.errors}."
        )
    if result.validity is not ValidityStatus.VALID or not result.demo:
        raise CheckpointError(
            f"the pass is {result.validity.value} (demo={result.demo}), "
            f"expected a valid demo pass: {result.errors}."
        )
    if result.content is None or result.content.holder != SAMPLE_HOLDER:
        raise CheckpointError("the pass's content did not come through intact.")
    policy = Policy.load(None)
    assessment = evaluate_person(
        findings_from_credentials([result]), policy, SAMPLE_VERIFY_AT, tz=settings.tz
    )
    disposition = assessment.disposition.value
    return (
        f"CKP1 signature valid, demo, {result.issuer}; policy {policy.version_label} "
        f"suggests {disposition}",
        disposition,
    )


def count_pdf_pages(data: bytes) -> int:
    """Page objects in a PDF written by reportlab (which never hides them in object streams)."""
    return len(_PAGE_OBJECT.findall(data))


def check_report(settings: Settings, folder: Path) -> tuple[str, int, int]:
    """Render an empty shift's handover report from a scratch database into ``folder``.

    The empty handover report is the shortest real paper the program prints (two A4 pages:
    figures, then timings, exceptions and the signature block); it must embed the CJK font.

    Returns (description, pages, bytes).
    """
    from checkpoint.domain import Role
    from checkpoint.reports.data import shift_report
    from checkpoint.reports.pdf import write_pdf
    from checkpoint.storage.db import open_database
    from checkpoint.team.rota import open_shift
    from checkpoint.team.site import ensure_place
    from checkpoint.team.staff import add_staff

    db = open_database(f"sqlite:///{(folder / 'smoke-report.db').as_posix()}")
    try:
        with db.session() as session:
            site = ensure_place(session, settings).site
            leader = add_staff(session, site, "演示组长", Role.LEADER)
            open_shift(
                session,
                site,
                leader=leader,
                tz=settings.tz,
                duty_date=REPORT_DATE,
                number=REPORT_SHIFT,
                at=SAMPLE_ISSUED_AT,
            )
            report = shift_report(
                session, site, settings.tz, REPORT_DATE, REPORT_SHIFT, now=SAMPLE_VERIFY_AT
            )
    finally:
        db.dispose()
    out = folder / "smoke-report.pdf"
    write_pdf(report, out)
    data = out.read_bytes()
    if not data.startswith(b"%PDF-"):
        raise CheckpointError(f"{out} is not a PDF.")
    if not data.rstrip().endswith(b"%%EOF"):
        raise CheckpointError(f"{out} is cut short (no %%EOF).")
    if b"/FontFile2" not in data:
        raise CheckpointError(f"{out} does not embed the Chinese TrueType font.")
    pages = count_pdf_pages(data)
    if pages < 1:
        raise CheckpointError(f"{out} has no pages.")
    return f"{report.title}: {pages} pages, {len(data):,} bytes", pages, len(data)


def run_smoke(settings: Settings, *, scratch_data_dir: bool = False) -> SmokeReport:
    """Run the four checks; CheckpointError with one sentence at the first that fails.

    ``scratch_data_dir``: use an empty data directory in a temporary folder (and the embedded
    SQLite database) instead of the configured one, e.g. to check a fresh build.
    """
    steps: list[StepResult] = []
    with tempfile.TemporaryDirectory(prefix="checkpoint-smoke-", ignore_cleanup_errors=True) as tmp:
        folder = Path(tmp)
        if scratch_data_dir:
            settings = replace(settings, data_dir=folder / "data", db_url=None)

        with _step(SmokeStep.DATABASE, "open and migrate the database"):
            database, ms = _timed(lambda: check_database(settings))
        steps.append(StepResult(SmokeStep.DATABASE, database, ms))

        with _step(SmokeStep.DECODE, f"read the sample QR code {SAMPLE_PASS.name}"):
            payload, ms = _timed(check_decode)
        shown = payload if len(payload) <= 24 else payload[:21] + "..."
        steps.append(StepResult(SmokeStep.DECODE, f"{', '.join(SMOKE_BACKENDS)} read {shown}", ms))

        with _step(SmokeStep.VERIFY, "verify the demo pass"):
            (verified, disposition), ms = _timed(lambda: check_verify(payload, settings))
        steps.append(StepResult(SmokeStep.VERIFY, verified, ms))

        with _step(SmokeStep.REPORT, "render a shift report PDF"):
            (rendered, pages, size), ms = _timed(lambda: check_report(settings, folder))
        steps.append(StepResult(SmokeStep.REPORT, rendered, ms))

    return SmokeReport(tuple(steps), database, payload, disposition, pages, size)
