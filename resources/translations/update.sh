#!/bin/sh
# Refresh the Qt Linguist source from ui/ (new strings appear unfinished; translate them with
# pyside6-linguist), then compile en.qm. Chinese is the source language and needs no file.
set -e
cd "$(dirname "$0")/../.."
BIN=${VENV:-.venv}/bin
FILES=$(ls ui/*.py)
"$BIN/pyside6-lupdate" $FILES -ts resources/translations/en.ts \
    -source-language zh_CN -target-language en -no-obsolete
"$BIN/pyside6-lrelease" resources/translations/en.ts -qm resources/translations/en.qm
