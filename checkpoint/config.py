"""Settings: defaults < settings file (TOML) < environment < command-line flags.

The settings file lives in the platform's user config dir (``CHECKPOINT_CONFIG`` points at
another one); ``CHECKPOINT_DATA_DIR`` moves the data directory, ``CHECKPOINT_DB_URL`` the
database. A malformed file is an error naming the file and line, never a silent default.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from checkpoint.errors import ConfigError

APP_NAME = "checkpoint-desk"
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"


def default_data_dir() -> Path:
    """The platform's user data directory for this program."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_config_file() -> Path:
    """Where the settings file is looked for unless ``CHECKPOINT_CONFIG`` says otherwise."""
    env = os.environ.get("CHECKPOINT_CONFIG")
    if env:
        return Path(env)
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "settings.toml"


@dataclass(frozen=True)
class Settings:
    """Everything a lane needs to know about where it is and where its data lives."""

    site_name: str = "杭千高速寿昌出口"
    lane_name: str = "1号车道"
    home_province: str = "浙"
    timezone: str = "Asia/Shanghai"
    data_dir: Path = field(default_factory=default_data_dir)
    db_url: str | None = None
    policy_file: Path | None = None
    demo: bool = False
    config_file: Path | None = None
    # [server] url: the checkpoint's PostgreSQL server this lane sends its records to
    server_url: str | None = None

    @property
    def tz(self) -> ZoneInfo:
        """The site's time zone as a tzinfo."""
        return ZoneInfo(self.timezone)

    @property
    def database_url(self) -> str:
        """The configured URL, or the embedded SQLite file in the data directory."""
        if self.db_url:
            return self.db_url
        return f"sqlite:///{(self.data_dir / 'checkpoint.db').as_posix()}"

    @property
    def trust_dir(self) -> Path:
        """The offline trust store: issuer certificates, keys and JWKS files."""
        return self.data_dir / "trust"

    def ensure_data_dir(self) -> Path:
        """Create the data directory (private to the user: 0700) if needed; a clear error if
        it cannot be written. Commands that only read never call this, so they work on a
        read-only or full disk."""
        try:
            if not self.data_dir.exists():
                self.data_dir.mkdir(parents=True, mode=0o700)
            elif self.data_dir.stat().st_mode & 0o077 and os.name == "posix":
                with contextlib.suppress(OSError):  # not ours to narrow: it still works
                    self.data_dir.chmod(0o700)
            # A probe file of its own: parallel commands never remove each other's.
            fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=self.data_dir)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise ConfigError(
                f"The data directory {self.data_dir} cannot be written ({exc.strerror or exc}); "
                "set CHECKPOINT_DATA_DIR to a writable folder."
            ) from exc
        return self.data_dir


_FILE_KEYS = {
    "site_name": str,
    "lane_name": str,
    "home_province": str,
    "timezone": str,
    "data_dir": str,
    "db_url": str,
    "policy_file": str,
    "demo": bool,
}


def _read_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")  # Notepad's BOM is fine
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"The settings file {path} is not UTF-8 text (byte {exc.start}; saved as GBK?); "
            "save it as UTF-8."
        ) from exc
    except OSError as exc:
        raise ConfigError(f"The settings file {path} cannot be read: {exc}.") from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The settings file {path} is not valid TOML: {exc}.") from exc
    server = raw.pop("server", None)
    section = raw.get("checkpoint", raw)
    if not isinstance(section, dict):
        raise ConfigError(f"The settings file {path}: [checkpoint] must be a table.")
    values: dict[str, Any] = {}
    for key, value in section.items():
        expected = _FILE_KEYS.get(key)
        if expected is None:
            known = ", ".join(sorted(_FILE_KEYS))
            raise ConfigError(
                f"The settings file {path} has an unknown key {key!r}; known: {known}."
            )
        if not isinstance(value, expected):
            raise ConfigError(
                f"The settings file {path}: {key} must be a {expected.__name__}, "
                f"not {type(value).__name__}."
            )
        values[key] = value
    if server is not None:
        values["server_url"] = _server_url(path, server)
    return values


def _server_url(path: Path, server: Any) -> str | None:
    """``[server] url = "postgresql+psycopg://…"``: where this lane sends its records."""
    if not isinstance(server, dict) or set(server) - {"url"}:
        raise ConfigError(f"The settings file {path}: [server] holds one key, url.")
    url = server.get("url")
    if url is not None and not isinstance(url, str):
        raise ConfigError(f"The settings file {path}: [server] url must be a string.")
    return url or None


def _validate(settings: Settings) -> Settings:
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"Unknown time zone {settings.timezone!r} (e.g. Asia/Shanghai).") from exc
    if len(settings.home_province) != 1 or settings.home_province not in PROVINCES:
        raise ConfigError(
            f"home_province must be one province abbreviation such as 浙, "
            f"not {settings.home_province!r}."
        )
    if settings.db_url is not None:
        # local: SQLAlchemy and the sync layer load only when a database or server is configured
        from checkpoint.storage.db import check_url

        check_url(settings.db_url)
    if settings.server_url is not None:
        from checkpoint.sync.status import check_server_url

        check_server_url(settings.server_url)
    return settings


def load_settings(**overrides: Any) -> Settings:
    """Settings from file, environment and ``overrides`` (flags; ``None`` means not given)."""
    config_file = default_config_file()
    values: dict[str, Any] = _read_file(config_file)
    env_db = os.environ.get("CHECKPOINT_DB_URL")
    if env_db:
        values["db_url"] = env_db
    env_dir = os.environ.get("CHECKPOINT_DATA_DIR")
    if env_dir:
        values["data_dir"] = env_dir
    env_server = os.environ.get("CHECKPOINT_SERVER_URL")
    if env_server:
        values["server_url"] = env_server
    if os.environ.get("CHECKPOINT_DEMO") == "1":
        values["demo"] = True
    known = {f.name for f in fields(Settings)}
    for key, value in overrides.items():
        if key not in known:
            raise TypeError(f"unknown setting {key}")
        if value is not None:
            values[key] = value
    for key in ("data_dir", "policy_file"):
        if values.get(key) is not None:
            values[key] = Path(values[key]).expanduser()
    if values.get("policy_file") is None:  # the server's policy, mirrored by the sync sender
        shared = (values.get("data_dir") or default_data_dir()) / "policy.toml"
        if shared.is_file():
            values["policy_file"] = shared
    values["config_file"] = config_file
    return _validate(replace(Settings(), **values))
