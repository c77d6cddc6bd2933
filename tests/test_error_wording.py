"""Errors are typed: a failure that reaches a screen carries a stable code and parameters, the
screen words it through Qt's translation (en.ts), and the command line keeps its sentence."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import re
import string
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtWidgets import QApplication
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from checkpoint.domain import Role
from checkpoint.errors import CheckpointError, Problem, StorageError
from checkpoint.storage.db import Database, describe_error, storage_error
from checkpoint.storage.models import Site, StaffMember
from checkpoint.team import auth
from checkpoint.team.auth import AuthError, PermissionDenied
from checkpoint.team.site import ensure_place
from ui.errors import _texts, error_text
from ui.i18n import install_translators

CJK = re.compile(r"[\u4e00-\u9fff]")
SAMPLE = {"role": Role.INSPECTOR.value, "permission": auth.Permission.EXPORT.value}


def _sample(code: Problem) -> CheckpointError:
    """An error of ``code`` with every parameter its wording names (ASCII values)."""
    fields = {f for _, f, _, _ in string.Formatter().parse(_texts()[code]) if f}
    return CheckpointError("sentence", code=code, **{f: SAMPLE.get(f, "X7") for f in fields})


@pytest.fixture
def english(qapp: QApplication) -> Iterator[None]:
    install_translators(qapp, "en")
    yield
    install_translators(qapp, "zh_CN")


def test_every_code_has_a_chinese_wording_with_its_parameters(qapp: QApplication) -> None:
    assert set(Problem) <= set(_texts())
    for code in Problem:
        text = error_text(_sample(code), "zh_CN")
        assert CJK.search(text) and "{" not in text and text != "sentence", code


def test_every_code_is_translated_to_english(english: None) -> None:
    for code in Problem:
        text = error_text(_sample(code), "en")
        assert not CJK.search(text) and "{" not in text, (code, text)


def test_an_error_without_a_code_shows_its_own_sentence() -> None:
    assert error_text(CheckpointError("Something plain."), "en") == "Something plain."


@pytest.fixture
def site(chief_site: tuple[Database, object]) -> tuple[Database, object]:
    """The chief's site with a guide, 李引导."""
    db, settings = chief_site
    with db.session() as s:
        place = ensure_place(s, settings)  # type: ignore[arg-type]
        s.add(StaffMember(site_id=place.site.id, name="李引导", role=Role.GUIDE.value))
    return db, settings


def test_a_wrong_pin_is_one_cli_sentence_and_a_code_the_screen_words(
    site: tuple[Database, object], english: None
) -> None:
    db, _ = site
    at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    with pytest.raises(AuthError) as err, db.session() as s:
        place_site = s.scalars(select(Site)).one()
        auth.authenticate(s, place_site, "陈立新", "999999", at=at)
    exc = err.value
    # the command line's sentence is as it was
    assert str(exc) == "PIN 错误，还可尝试 4 次 (wrong PIN, 4 tries left)."
    assert exc.code is Problem.WRONG_PIN and dict(exc.params) == {"left": 4}
    assert error_text(exc, "en") == "Wrong PIN; 4 more tries before the account locks"


def test_a_refused_permission_names_role_and_permission_in_the_screens_language(
    site: tuple[Database, object], qapp: QApplication
) -> None:
    db, _ = site
    with db.session() as s:
        guide = s.scalars(select(StaffMember).where(StaffMember.name == "李引导")).one()
        with pytest.raises(PermissionDenied) as err:
            auth.require(guide, auth.Permission.EXPORT)
    exc = err.value
    assert "may not export data" in str(exc)  # the CLI's sentence
    assert exc.code is Problem.NOT_PERMITTED
    assert error_text(exc, "zh_CN") == f"{Role.GUIDE.label('zh_CN')}李引导 无权导出数据"


def test_a_locked_database_is_typed_and_keeps_its_sentence() -> None:
    driver = OperationalError("INSERT", {}, Exception("database is locked"))
    url = "sqlite:////srv/lane/checkpoint.db"
    exc = storage_error(driver, url)
    assert str(exc) == describe_error(driver, url)
    assert "is locked by another program" in str(exc)
    assert exc.code is Problem.DB_LOCKED and exc.params["where"] == url
    assert error_text(exc, "zh_CN").startswith("数据库被其他程序锁定")


def test_a_typed_error_crosses_a_process_boundary_whole() -> None:
    import pickle

    sent = StorageError("The database is locked.", code=Problem.DB_LOCKED, where="w.db")
    back = pickle.loads(pickle.dumps(sent))
    assert (type(back), str(back), back.code, dict(back.params)) == (
        StorageError, "The database is locked.", Problem.DB_LOCKED, {"where": "w.db"}
    )
