"""``checkpoint site-key create|import FILE|fingerprint``: the site's ID-number key.

ID numbers are stored only as a keyed hash and a mask. The key is one per site, the same on
every lane, kept in each lane's data directory and never in the database. The first lane makes
it (``create --out FILE`` also writes a copy to carry, e.g. on a USB stick, to the other lanes);
every other lane installs that copy (``import FILE``); ``fingerprint`` shows a short digest to
compare the lanes by eye.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from checkpoint.config import load_settings
from checkpoint.errors import ConfigError
from checkpoint.privacy import SiteKey


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``site-key create``, ``site-key import`` and ``site-key fingerprint``."""
    p = subparsers.add_parser("site-key", help="the site's key for ID numbers (one per site)")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    create = verbs.add_parser("create", help="make the site's key on its first lane")
    create.add_argument(
        "--out", type=Path, metavar="FILE", help="also write a copy to carry to the other lanes"
    )
    create.set_defaults(func=run_create)
    imp = verbs.add_parser("import", help="install the site's key made on the first lane")
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.set_defaults(func=run_import)
    fp = verbs.add_parser("fingerprint", help="show the installed key's fingerprint")
    fp.set_defaults(func=run_fingerprint)


def run_create(args: argparse.Namespace) -> int:
    data_dir = load_settings().ensure_data_dir()
    key = SiteKey.create(data_dir)
    if args.out is not None:
        _copy(SiteKey.path(data_dir), args.out)
        print(f"Copy written to {args.out}; install it on every other lane of this site.")
    print(f"Site key created in {SiteKey.path(data_dir)}; fingerprint {key.fingerprint}.")
    return 0


def _copy(source: Path, target: Path) -> None:
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(source.read_text(encoding="ascii"))
    except FileExistsError as exc:
        raise ConfigError(f"{target} already exists; choose another file name.") from exc
    except OSError as exc:
        raise ConfigError(f"The copy cannot be written to {target}: {exc}.") from exc


def run_import(args: argparse.Namespace) -> int:
    data_dir = load_settings().ensure_data_dir()
    key = SiteKey.import_file(data_dir, args.file)
    print(f"Site key installed; fingerprint {key.fingerprint}.")
    return 0


def run_fingerprint(args: argparse.Namespace) -> int:
    key = SiteKey.load(load_settings().data_dir)
    if key is None:
        raise ConfigError(
            "This lane has no site key yet: run `checkpoint site-key import FILE` with the key "
            "from the site's first lane (or `checkpoint site-key create` on the first lane)."
        )
    print(key.fingerprint)
    return 0
