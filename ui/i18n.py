"""Languages: Simplified Chinese (the source strings) by default, English from ``en.qm``.

Qt's own dialogs (确定/取消) come from PySide6's ``qtbase_<lang>.qm``. A failure from the domain
carries a code and parameters, worded here by ``ui.errors.error_text`` through the same
translations.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

TRANSLATIONS = Path(__file__).resolve().parents[1] / "resources" / "translations"
LANGUAGES = ("zh_CN", "en")


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

