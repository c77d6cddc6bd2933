"""``checkpoint decode`` and ``checkpoint cameras``."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest

from checkpoint.cli import main
from scanners.codes import normalise_newlines
from scanners.synthetic import render_qr


def _lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _png(path: Path, payload: str) -> Path:
    ok, data = cv2.imencode(".png", render_qr(payload, module_px=5))
    assert ok
    path.write_bytes(data.tobytes())
    return path


@pytest.mark.parametrize("backend", ["auto", "zxing", "zbar", "opencv"])
def test_decode_prints_one_json_line_per_image(
    backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = _png(tmp_path / "a.png", "正宗铁观音")
    b = _png(tmp_path / "b.png", "CKP1:ABC")
    assert main(["decode", "--backend", backend, str(a), str(b)]) == 0
    lines = _lines(capsys.readouterr().out)
    assert [line["file"] for line in lines] == [str(a), str(b)]
    first = lines[0]["codes"]
    assert isinstance(first, list) and len(first) == 1
    assert first[0]["text"] == "正宗铁观音"
    assert first[0]["backend"] == ("zxing" if backend == "auto" else backend)
    assert len(first[0]["points"]) == 4 and all(len(p) == 2 for p in first[0]["points"])
    assert isinstance(lines[0]["ms"], float | int)


def test_unreadable_files_are_reported_and_the_run_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _png(tmp_path / "good.png", "OK")
    bad = tmp_path / "bad.png"
    bad.write_text("no picture", encoding="utf-8")
    missing = tmp_path / "missing.png"
    assert main(["decode", str(bad), str(missing), str(good)]) == 1
    lines = _lines(capsys.readouterr().out)
    assert [sorted(line) for line in lines] == [
        ["error", "file"],
        ["error", "file"],
        ["codes", "file", "ms"],
    ]
    assert "not an image" in str(lines[0]["error"])
    assert "not found" in str(lines[1]["error"])
    assert lines[2]["codes"][0]["text"] == "OK"  # type: ignore[index]


def test_decode_a_real_photograph(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    photo = shared_data / "qr-samples" / "qrcode-2" / "30.png"
    expected = photo.with_suffix(".txt").read_text(encoding="utf-8")
    assert main(["decode", str(photo)]) == 0
    (line,) = _lines(capsys.readouterr().out)
    assert normalise_newlines(line["codes"][0]["text"]) == normalise_newlines(expected)  # type: ignore[index]


def test_unknown_backend_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["decode", "--backend", "magic", "x.png"])
    assert exc.value.code == 2


def test_cameras_lists_or_says_there_is_none(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cameras", "--max-index", "2"]) == 0
    captured = capsys.readouterr()
    cameras = _lines(captured.out)
    if not cameras:
        assert "no camera found" in captured.err
    for cam in cameras:
        assert {"index", "backend", "default", "fourcc", "resolutions"} <= set(cam)
