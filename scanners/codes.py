"""What a decoder reports: one decoded QR code (扫码结果) and the result for one image."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from checkpoint.errors import CheckpointError

Point = tuple[float, float]
Quad = tuple[Point, Point, Point, Point]


class ScanError(CheckpointError):
    """An image cannot be read or a decoder backend is unusable (message fit to show as is)."""


class ImageReadError(ScanError):
    """An image file is missing or is not an image OpenCV can read."""


class BackendUnavailable(ScanError):
    """A decoder library (e.g. the zbar DLL) is not installed or cannot be loaded."""


@dataclass(frozen=True, slots=True)
class DecodedCode:
    """One QR code found in an image.

    ``text`` is the payload as text (charset from the code's ECI, else guessed: UTF-8, then
    Shift_JIS, then ISO-8859-1); ``raw`` the payload bytes; ``points`` the four corners
    (top-left, top-right, bottom-right, bottom-left of the symbol as printed) in image pixels;
    ``backend`` which decoder stage read it (e.g. ``zxing``, ``zbar``, ``opencv``).
    """

    text: str
    raw: bytes
    points: Quad
    backend: str

    def center(self) -> Point:
        """Mean of the four corners."""
        return (
            sum(p[0] for p in self.points) / 4.0,
            sum(p[1] for p in self.points) / 4.0,
        )


class AimHint(enum.Enum):
    """What the driver can do so that a code that is seen but not read becomes readable."""

    DIM_SCREEN = "dim_screen"  # 调暗手机亮度: the screen is blown out
    TILT_PHONE = "tilt_phone"  # 倾斜手机: a reflection sits on the code
    MOVE_CLOSER = "move_closer"  # 靠近一点: too small (or too dark) to read


@dataclass(frozen=True, slots=True)
class UnreadRegion:
    """A code-like region (finder patterns seen) that no stage could read (看到但未读出)."""

    points: Quad  # clockwise from top-left, frame pixels
    hint: AimHint
    brightness: float  # mean grey level inside, 0–255
    saturated: float  # fraction of blown-out pixels inside
    module_px: float  # estimated module size in frame pixels


@dataclass(frozen=True, slots=True)
class DecodeResult:
    """All codes found in one image and how long decoding took (milliseconds)."""

    codes: list[DecodedCode] = field(default_factory=list)
    ms: float = 0.0
    #: code-like regions (finder patterns seen) that nothing could read, for the aiming aid and
    #: the exposure loop; only the cascade reports them
    unread: tuple[UnreadRegion, ...] = ()
    #: the decoding thread's CPU time for this image (milliseconds; 0 where not measured),
    #: beside ``ms``, the wall time, which a busy machine inflates
    cpu_ms: float = 0.0

    @property
    def texts(self) -> list[str]:
        """The payload texts in the order found."""
        return [c.text for c in self.codes]


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF (codes written on Windows hold CRLF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def text_from_bytes(raw: bytes) -> str:
    """Payload bytes to text when the decoder gives no charset.

    Valid UTF-8 wins: it is what modern generators (and every Chinese health-code app) write, and
    random non-UTF-8 bytes almost never form valid UTF-8. Otherwise Shift_JIS (the other charset
    seen in the wild without an ECI), and ISO-8859-1 as the QR standard's default, which never
    fails.
    """
    for charset in ("utf-8", "shift_jis"):
        try:
            return raw.decode(charset)
        except UnicodeDecodeError:
            continue
    return raw.decode("iso-8859-1")


def repair_sjis_mojibake(text: str) -> str:
    """Undo zbar's habit of reading UTF-8 bytes as Shift_JIS (正宗 came back as 豁｣螳).

    Only used when the zbar library cannot hand out raw bytes (old builds, e.g. the DLL bundled
    with pyzbar on Windows): if the text round-trips to Shift_JIS bytes that are valid UTF-8 and
    not plain ASCII, those bytes were UTF-8.
    """
    try:
        raw = text.encode("shift_jis")
    except UnicodeEncodeError:
        return text
    if raw.isascii():
        return text
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return text


def quad(points: object) -> Quad:
    """Four (x, y) float tuples from any 4×2 sequence (numpy array, list of pairs)."""
    pts = [(float(p[0]), float(p[1])) for p in points]  # type: ignore[attr-defined]
    if len(pts) != 4:
        raise ValueError(f"a code outline needs 4 corners, got {len(pts)}")
    return (pts[0], pts[1], pts[2], pts[3])
