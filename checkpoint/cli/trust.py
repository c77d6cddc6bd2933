"""``checkpoint trust import|list|remove``: the offline trust store (信任库)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from checkpoint.cli.common import print_json
from checkpoint.config import load_settings
from checkpoint.rules import Policy
from checkpoint.trust import StoreEntry, TrustStore, import_files, list_entries, remove_entry


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``trust import``, ``trust list`` and ``trust remove``."""
    p = subparsers.add_parser("trust", help="the offline trust store of issuer keys")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    imp = verbs.add_parser("import", help="add certificates, public keys, JWKS or revocation files")
    imp.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or directories")
    imp.set_defaults(func=run_import)
    ls = verbs.add_parser("list", help="list the trusted keys and the store's freshness")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.set_defaults(func=run_list)
    rm = verbs.add_parser("remove", help="remove a file from the store by file name or kid")
    rm.add_argument("name", help="file name (as listed) or a kid")
    rm.set_defaults(func=run_remove)


def _entry_json(entry: StoreEntry) -> dict[str, object]:
    return {
        "file": entry.name,
        "problem": entry.problem,
        "revocation_list_for": entry.revocations.kid if entry.revocations else None,
        "keys": [
            {
                "kid": k.kid_text,
                "source": k.source.value,
                "algorithm": k.algorithm_family,
                "subject": k.subject,
                "not_before": k.not_before.isoformat() if k.not_before else None,
                "not_after": k.not_after.isoformat() if k.not_after else None,
            }
            for k in entry.keys
        ],
    }


def run_import(args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.ensure_data_dir()
    entries = import_files(settings.trust_dir, args.paths, datetime.now(UTC))
    for entry in entries:
        what = f"{len(entry.keys)} key(s)" if entry.keys else "a revocation list"
        print(f"Imported {entry.name}: {what}.")
    return 0


def run_list(args: argparse.Namespace) -> int:
    settings = load_settings()
    policy = Policy.load(settings.policy_file)
    entries = list_entries(settings.trust_dir)
    status = TrustStore.from_settings(settings).status(
        datetime.now(UTC), policy.trust_store_max_age
    )
    if args.json:
        print_json(
            {
                "status": status.freshness.value,
                "updated_at": status.updated_at.isoformat() if status.updated_at else None,
                "message": status.message_en,
                "entries": [_entry_json(e) for e in entries],
            }
        )
        return 0
    for entry in entries:
        if entry.problem:
            print(f"{entry.name}\tUNUSABLE\t{entry.problem}")
        if entry.revocations:
            print(f"{entry.name}\trevocations\tkid {entry.revocations.kid}")
        for k in entry.keys:
            until = k.not_after.date().isoformat() if k.not_after else "-"
            subject = k.subject or ""
            print(f"{entry.name}\t{k.kid_text}\t{k.algorithm_family}\tuntil {until}\t{subject}")
    print(f"{status.message_zh} / {status.message_en}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    settings = load_settings()
    entry = remove_entry(settings.trust_dir, args.name, datetime.now(UTC))
    print(f"Removed {entry.name} ({len(entry.keys)} key(s)).")
    return 0
