"""QR segment modes read from the symbol's bit stream (SMART Health Cards: ``shc:/`` in byte mode,
the digits in numeric mode): every version range and error-correction level, photographs of the
symbol through zxing-cpp's sampled grid, a damaged grid (unknown, never guessed), and the
``checkpoint verify --image`` refusal of a card in the wrong modes."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import qrcode
from qrcode.util import MODE_8BIT_BYTE, MODE_ALPHA_NUM, MODE_NUMBER, QRData
from test_cli_verify import AT, check_contract, run

from checkpoint.credentials.shc import qr_symbol_problem
from scanners.qr_bits import read_symbols, symbol_segments

DIGITS = "5676" * 400


def symbol(parts: list[QRData], *, version: int | None = None, ec: int = 0,
           box: int = 4) -> qrcode.QRCode:
    q = qrcode.QRCode(border=4, box_size=box, version=version, error_correction=ec)
    for part in parts:
        q.add_data(part)
    q.make(fit=version is None)
    return q


def picture(q: qrcode.QRCode) -> np.ndarray:
    return np.asarray(q.make_image().convert("L"), dtype=np.uint8)


def card(modes: str, digits: int = 60) -> list[QRData]:
    if modes == "byte+numeric":
        return [QRData(b"shc:/", MODE_8BIT_BYTE), QRData(DIGITS[:digits], MODE_NUMBER)]
    if modes == "byte":
        return [QRData(("shc:/" + DIGITS[:digits]).encode(), MODE_8BIT_BYTE)]
    return [QRData(b"SHC:/", MODE_ALPHA_NUM), QRData(DIGITS[:digits], MODE_NUMBER)]


@pytest.mark.parametrize("version", [2, 7, 9, 10, 14, 22, 26, 27, 40])
@pytest.mark.parametrize("ec", [0, 1, 2, 3])  # M, L, H, Q as the format bits number them
def test_segments_of_every_version_range_and_level_come_back(version: int, ec: int) -> None:
    digits = "5676" * version
    parts = [QRData(b"shc:/", MODE_8BIT_BYTE), QRData(digits, MODE_NUMBER),
             QRData(b"AB:", MODE_ALPHA_NUM)]
    modules = np.array(symbol(parts, version=version, ec=ec).get_matrix(), bool)[4:-4, 4:-4]
    parsed = symbol_segments(modules)
    assert parsed is not None
    got_version, segments = parsed
    assert got_version == version
    assert [(s.mode, s.data) for s in segments] == [
        ("byte", b"shc:/"), ("numeric", digits.encode()), ("alphanumeric", b"AB:")]


@pytest.mark.parametrize(("modes", "expected", "problem"), [
    ("byte+numeric", ("byte", "numeric"), None),
    ("byte", ("byte",), "1 segments"),
    ("alnum+numeric", ("alphanumeric", "numeric"), "alphanumeric and numeric"),
])
def test_a_photographed_card_reports_its_modes_and_the_spec_problem(
        modes: str, expected: tuple[str, ...], problem: str | None) -> None:
    q = symbol(card(modes, 400))
    image = cv2.GaussianBlur(picture(q), (0, 0), 0.8)  # a slightly soft photograph
    [found] = read_symbols(image)
    assert found.modes == expected and found.version == q.version
    why = qr_symbol_problem(found.version, found.modes)
    assert (why is None) if problem is None else (problem in (why or ""))


def test_a_damaged_grid_gives_the_true_modes_or_none_never_a_guess() -> None:
    q = symbol(card("byte+numeric", 200), ec=2)  # H: zxing corrects up to ~30 %
    image = picture(q)
    n = len(q.get_matrix()) - 8
    rng = np.random.default_rng(4)
    outcomes = set()
    for trial in range(12):
        damaged = image.copy()
        for _ in range(4 + 3 * trial):  # flip modules inside the data area
            r, c = rng.integers(9, n - 9, size=2)
            y, x = (int(r) + 4) * 4, (int(c) + 4) * 4
            damaged[y:y + 4, x:x + 4] = 255 - damaged[y:y + 4, x:x + 4]
        for found in read_symbols(damaged):
            assert found.text.startswith("shc:/")
            assert found.modes in (("byte", "numeric"), None)
            outcomes.add(found.modes)
    assert None in outcomes  # some damage is beyond what we trust without Reed–Solomon


def test_checkpoint_verify_refuses_a_card_in_the_wrong_modes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for modes in ("byte", "byte+numeric"):
        png = tmp_path / f"{modes}.png"
        cv2.imwrite(str(png), picture(symbol(card(modes, 300))))
        code, doc, _ = run(capsys, "verify", "--at", AT, "--image", str(png))
        assert code == 0
        check_contract(doc)
        [c] = doc["credentials"]
        errors = " ".join(c["errors"])
        if modes == "byte":
            assert (c["format"], c["decoded"]) == ("SHC", False)
            assert "1 segments" in errors and "2 segments" in errors
        else:  # the right modes: refused for what the digits hold, not for the symbol
            assert "segment" not in errors
