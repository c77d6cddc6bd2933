"""The report font's metrics cache: the same face as parsing the font, and never required."""

from __future__ import annotations

from pathlib import Path

import pytest
from reportlab.pdfbase.ttfonts import TTFont

from checkpoint.reports import fonts


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CHECKPOINT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _state(font: TTFont) -> dict[str, object]:
    return {k: v for k, v in font.face.__dict__.items() if k != "_pdfScale"}


def test_cached_face_is_the_parsed_face(cache_dir: Path) -> None:
    path = fonts.font_path()
    first = fonts._cjk_font(path)  # parses the font and fills the cache
    cache = fonts.metrics_cache_file(path)
    assert cache.is_file() and cache.is_relative_to(cache_dir)
    second = fonts._cjk_font(path)  # from the cache
    assert second.face is not first.face
    assert _state(second) == _state(first)
    assert second.face.name.ustr == first.face.name.ustr
    for v in (0, 1, 1234.5, -256):
        assert second.face._pdfScale(v) == first.face._pdfScale(v)
    assert second.stringWidth("卡口查验台 HC1 38.0°C", 9) == first.stringWidth(
        "卡口查验台 HC1 38.0°C", 9
    )
    # TTFont builds its faces from files again once the cached one was handed over
    assert TTFont("probe", str(path), subfontIndex=0).face is not second.face


def test_a_damaged_or_stale_cache_is_parsed_again(cache_dir: Path) -> None:
    path = fonts.font_path()
    cache = fonts.metrics_cache_file(path)
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"not marshal data")
    assert fonts._cached_face(path) is None
    font = fonts._cjk_font(path)  # parses, and replaces the damaged cache
    assert font.face.numGlyphs > 40_000
    assert fonts._cached_face(path) is not None


def test_an_unwritable_cache_folder_costs_nothing_but_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("CHECKPOINT_CACHE_DIR", str(blocker))  # a file, not a folder
    font = fonts._cjk_font(fonts.font_path())
    assert font.face.unitsPerEm > 0
