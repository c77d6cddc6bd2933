"""The site key for ID numbers: made once, carried to every lane, never in the database."""

from __future__ import annotations

from pathlib import Path

import pytest

from checkpoint.cli import main
from checkpoint.privacy import SiteKey


def test_create_import_fingerprint(
    isolated_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    copy = tmp_path / "site.key"
    assert main(["site-key", "fingerprint"]) != 0
    assert "no site key yet" in capsys.readouterr().err
    assert main(["site-key", "create", "--out", str(copy)]) == 0
    first = SiteKey.load(isolated_env)
    assert first is not None and first.fingerprint in capsys.readouterr().out
    # a second key on the same lane is refused: the same ID would hash differently
    assert main(["site-key", "create"]) != 0
    assert "already holds" in capsys.readouterr().err
    other_lane = tmp_path / "lane-2"
    monkeypatch.setenv("CHECKPOINT_DATA_DIR", str(other_lane))
    assert main(["site-key", "import", str(copy)]) == 0
    capsys.readouterr()
    assert main(["site-key", "fingerprint"]) == 0
    assert capsys.readouterr().out.strip() == first.fingerprint
    second = SiteKey.load(other_lane)
    assert second is not None and second.hash_id("33010219900101123X") == first.hash_id(
        "33010219900101123x"
    )


def test_import_refuses_garbage_and_another_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.key"
    bad.write_text("not hex", encoding="ascii")
    with pytest.raises(Exception, match="not a site key file"):
        SiteKey.import_file(tmp_path / "lane", bad)
    SiteKey.create(tmp_path / "lane")
    foreign = tmp_path / "foreign.key"
    foreign.write_text("ab" * 32, encoding="ascii")
    with pytest.raises(Exception, match="already has another site key"):
        SiteKey.import_file(tmp_path / "lane", foreign)
