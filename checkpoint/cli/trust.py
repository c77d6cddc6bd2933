"""``checkpoint trust import|list|remove``: the offline trust store (信任库).

Every key is bound to the credential format it may sign (hc1, shc, ckp1) and to an issuer;
changing the store signs its person in (``--as NAME``) and is audited.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from checkpoint.cli.actor import add_as_flag, cli_actor
from checkpoint.cli.common import add_db_flag, print_json, site_session
from checkpoint.config import load_settings
from checkpoint.credentials.trust import (
    KeyFormat,
    StoreEntry,
    TrustStore,
    import_files,
    list_entries,
    remove_entry,
)
from checkpoint.rules.verdicts import Policy
from checkpoint.storage import audit
from checkpoint.team.auth import Permission


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``trust import``, ``trust list`` and ``trust remove``."""
    p = subparsers.add_parser("trust", help="the offline trust store of issuer keys")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    imp = verbs.add_parser(
        "import",
        help="add certificates, public keys, JWKS or revocation files",
        description="Validate key files and copy them into the store, each key bound to the "
        "credential format it may sign and its issuer. The format is inferred where the file "
        "says it (a DSC certificate: hc1; a JWKS: shc); a bare public key needs --format. "
        "The issuer is a DSC's country, a JWKS key certificate's URI, or --issuer.",
    )
    imp.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or directories")
    imp.add_argument(
        "--format",
        dest="key_format",
        choices=[f.value for f in KeyFormat],
        help="the credentials these keys sign (required for a bare public key)",
    )
    imp.add_argument(
        "--issuer",
        metavar="ISS",
        help="the issuer: a country code (hc1), the issuer URL a JWKS is served for (shc), "
        "the issuer name the passes carry (ckp1)",
    )
    add_as_flag(imp)
    add_db_flag(imp)
    imp.set_defaults(func=run_import)
    ls = verbs.add_parser("list", help="list the trusted keys, their bindings and freshness")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.set_defaults(func=run_list)
    rm = verbs.add_parser("remove", help="remove a file from the store by file name or kid")
    rm.add_argument("name", help="file name (as listed) or a kid")
    add_as_flag(rm)
    add_db_flag(rm)
    rm.set_defaults(func=run_remove)


def _entry_json(entry: StoreEntry) -> dict[str, object]:
    return {
        "file": entry.name,
        "problem": entry.problem,
        "revocation_list_for": entry.revocations.kid if entry.revocations else None,
        "binding_inferred": entry.inferred,
        "keys": [
            {
                "kid": k.kid_text,
                "format": k.format.value if k.format else None,
                "issuer": k.issuer,
                "source": k.source.value,
                "algorithm": k.algorithm_family,
                "subject": k.subject,
                "not_before": k.not_before.isoformat() if k.not_before else None,
                "not_after": k.not_after.isoformat() if k.not_after else None,
            }
            for k in entry.keys
        ],
    }


def _audit_detail(entries: list[StoreEntry]) -> dict[str, object]:
    return {
        "files": [
            {
                "file": e.name,
                "keys": [
                    {
                        "kid": k.kid_text,
                        "format": k.format.value if k.format else None,
                        "issuer": k.issuer,
                    }
                    for k in e.keys
                ],
                "revocation_list_for": e.revocations.kid if e.revocations else None,
            }
            for e in entries
        ]
    }


def run_import(args: argparse.Namespace) -> int:
    fmt = KeyFormat(args.key_format) if args.key_format else None
    with site_session(args) as (settings, session, site):
        actor = cli_actor(session, site, settings, args, Permission.MANAGE_TRUST)
        at = datetime.now(UTC)
        entries = import_files(settings.trust_dir, args.paths, at, fmt=fmt, issuer=args.issuer)
        audit.record(
            session,
            site.id,
            actor.id if actor else None,
            "trust.import",
            ",".join(e.name for e in entries)[:80],
            _audit_detail(entries),
            at=at,
        )
    for entry in entries:
        if entry.keys:
            bindings = sorted({k.binding_text for k in entry.keys})
            what = f"{len(entry.keys)} key(s) for {', '.join(bindings)}"
        else:
            what = "a revocation list"
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
            inferred = " (inferred)" if entry.inferred else ""
            print(
                f"{entry.name}\t{k.kid_text}\t{k.binding_text}{inferred}\t{k.algorithm_family}"
                f"\tuntil {until}\t{subject}"
            )
    print(f"{status.message_zh} / {status.message_en}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    with site_session(args) as (settings, session, site):
        actor = cli_actor(session, site, settings, args, Permission.MANAGE_TRUST)
        at = datetime.now(UTC)
        entry = remove_entry(settings.trust_dir, args.name, at)
        audit.record(
            session,
            site.id,
            actor.id if actor else None,
            "trust.remove",
            entry.name[:80],
            _audit_detail([entry]),
            at=at,
        )
    print(f"Removed {entry.name} ({len(entry.keys)} key(s)).")
    return 0
