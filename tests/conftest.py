"""Fixtures shared by every test: an isolated data dir and settings file, the shared test data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("CHECKPOINT_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test gets its own data dir and an absent settings file; no host settings leak in."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("CHECKPOINT_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CHECKPOINT_CONFIG", str(tmp_path / "settings.toml"))
    monkeypatch.delenv("CHECKPOINT_DB_URL", raising=False)
    monkeypatch.delenv("CHECKPOINT_DEMO", raising=False)
    yield data_dir


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (public test vectors); skips with a clear message when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA} (set CHECKPOINT_SHARED_DATA)")
    return SHARED_DATA
