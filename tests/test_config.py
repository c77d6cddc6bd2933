"""Settings precedence and clear errors for bad configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from checkpoint.config import load_settings
from checkpoint.errors import CheckpointError, ConfigError


def write_settings(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def test_defaults(isolated_env: Path) -> None:
    s = load_settings()
    assert s.site_name == "杭千高速寿昌出口"
    assert s.timezone == "Asia/Shanghai"
    assert s.data_dir == isolated_env
    assert s.database_url == f"sqlite:///{(isolated_env / 'checkpoint.db').as_posix()}"


def test_precedence_file_env_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_settings(
        tmp_path / "settings.toml",
        '[checkpoint]\nsite_name = "杭新景高速建德出口"\nlane_name = "2号车道"\n'
        'db_url = "sqlite:///from-file.db"\nhome_province = "苏"\n',
    )
    s = load_settings()
    assert (s.site_name, s.lane_name, s.home_province) == ("杭新景高速建德出口", "2号车道", "苏")
    assert s.db_url == "sqlite:///from-file.db"
    monkeypatch.setenv("CHECKPOINT_DB_URL", "sqlite:///from-env.db")
    assert load_settings().db_url == "sqlite:///from-env.db"
    assert load_settings(db_url="sqlite:///from-flag.db").db_url == "sqlite:///from-flag.db"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[checkpoint\nsite_name = 1", "not valid TOML"),
        ('[checkpoint]\nsite_nmae = "x"\n', "unknown key 'site_nmae'"),
        ("[checkpoint]\nsite_name = 5\n", "site_name must be a str"),
        ('[checkpoint]\ntimezone = "Mars/Olympus"\n', "Unknown time zone"),
        ('[checkpoint]\nhome_province = "ZJ"\n', "home_province"),
        ('[checkpoint]\ndb_url = "mysql://x/y"\n', "not supported"),
        ('[checkpoint]\ndb_url = "postgresql://x/y"\n', "psycopg"),
        ('[checkpoint]\ndb_url = "not a url"\n', "not a database URL"),
    ],
)
def test_bad_settings_file_says_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    write_settings(tmp_path / "settings.toml", text)
    with pytest.raises(CheckpointError, match=message):
        load_settings()


def test_unwritable_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("CHECKPOINT_DATA_DIR", str(blocker / "sub"))
    with pytest.raises(ConfigError, match="cannot be written"):
        load_settings().ensure_data_dir()
