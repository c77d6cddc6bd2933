"""Languages: Simplified Chinese (the source strings) by default, English from ``en.qm``.

Qt's own dialogs (确定/取消) come from PySide6's ``qtbase_<lang>.qm``. Messages from the domain
are often written "中文 (English)."; :func:`pick` shows the half that fits the language.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

TRANSLATIONS = Path(__file__).resolve().parents[1] / "resources" / "translations"
LANGUAGES = ("zh_CN", "en")
_BILINGUAL = re.compile(
    r"^(?P<zh>.*?[\u4e00-\u9fff].*?)\s*\((?P<en>[^()]*[A-Za-z][^()]*)\)\.?$", re.S
)


def install_translators(app: QApplication, lang: str) -> list[QTranslator]:
    """Load this program's and Qt's translations for ``lang``; returns them (keep a reference).

    Chinese needs no file for our strings (they are the source); English needs ``en.qm``.
    """
    for old in app.findChildren(QTranslator):
        app.removeTranslator(old)
        old.deleteLater()
    installed: list[QTranslator] = []
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    qt = QTranslator(app)
    if qt.load(f"qtbase_{lang}", qt_dir) or qt.load(f"qt_{lang}", qt_dir):
        app.installTranslator(qt)
        installed.append(qt)
    if lang != "zh_CN":
        own = QTranslator(app)
        if own.load(str(TRANSLATIONS / f"{lang}.qm")):
            app.installTranslator(own)
            installed.append(own)
    zh = lang == "zh_CN"
    QLocale.setDefault(
        QLocale(QLocale.Language.Chinese, QLocale.Country.China) if zh
        else QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)
    )  # fmt: skip
    return installed


def pick(message: str, lang: str) -> str:
    """The Chinese or English half of a "中文 (English)." message; the whole text otherwise."""
    m = _BILINGUAL.match(message.strip())
    if m is None:
        return message
    return m.group("zh").rstrip("，, ") if lang.startswith("zh") else m.group("en").strip() + "."
