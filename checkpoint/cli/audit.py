"""``checkpoint audit verify|list``: check the audit trail and the records it vouches for.

``verify`` walks the hash chain, checks each anchor (``--anchor DIGEST``, the chain head
printed on a handover report, and every line of the anchor log in the data directory), then
recomputes every live record against its newest digest in the chain. It only reads, so it
works on a read-only or full disk.
"""

from __future__ import annotations

import argparse

from checkpoint.cli.actor import add_as_flag, audited, cli_actor
from checkpoint.cli.common import add_db_flag, print_json, site_session
from checkpoint.errors import CheckpointError
from checkpoint.storage import anchors, audit, audit_rows
from checkpoint.team.auth import Permission


class AuditChainBroken(CheckpointError):
    """The audit trail was changed by hand: the chain breaks at a named event."""


def _digest(text: str) -> str:
    value = text.strip().lower()
    if not anchors.is_digest(value):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a chain head (64 hex digits, as printed on the handover report)"
        )
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("audit", help="verify or list the audit trail")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    ve = verbs.add_parser(
        "verify", help="check that no audit event or record was edited, added or removed"
    )
    ve.add_argument(
        "--anchor",
        action="append",
        default=[],
        type=_digest,
        metavar="DIGEST",
        help="a chain head printed on a handover report; it must still be in the chain "
        "(repeatable; the anchor log in the data directory is always checked)",
    )
    ve.add_argument("--json", action="store_true", help="print JSON")
    add_db_flag(ve)
    ve.set_defaults(func=run_verify)
    ls = verbs.add_parser("list", help="show the latest audit events (needs --as)")
    ls.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    ls.add_argument("--json", action="store_true", help="print JSON lines")
    add_as_flag(ls)
    add_db_flag(ls)
    ls.set_defaults(func=run_list)


def run_verify(args: argparse.Namespace) -> int:
    with site_session(args, reading=True) as (settings, session, site):
        logged = anchors.read(settings.data_dir, site.id)
        given = [audit.Anchor(d, None, f"--anchor {d[:12]}") for d in args.anchor]
        report = audit_rows.verify_books(session, site.id, anchors=[*given, *logged])
    if args.json:
        print_json(
            {
                "ok": report.ok,
                "checked": report.checked,
                "first_broken_seq": report.first_broken_seq,
                "reason": report.reason,
                "head": report.head_hash if report.ok else None,
                "head_seq": report.head_seq if report.ok else None,
                "records": report.records,
                "bad_records": report.bad_records,
                "anchors": len(given) + len(logged),
            }
        )
        return 0 if report.ok else 1
    if not report.ok:
        raise AuditChainBroken(
            f"审计链断裂 (audit chain broken) at event {report.first_broken_seq}: "
            f"{report.reason}; {report.checked} events before it are intact."
        )
    print(
        f"Audit chain intact: {report.checked} events checked, {report.records} records match, "
        f"{len(given) + len(logged)} anchors found; head #{report.head_seq} {report.head_hash}."
    )
    return 0


def run_list(args: argparse.Namespace) -> int:
    with site_session(args, reading=True) as (settings, session, site):
        actor = cli_actor(session, site, settings, args, Permission.PRINT_REPORT)
        total = audit.count(session, site.id)
        rows = list(audit.events(session, site.id, after_seq=max(0, total - args.limit)))
        names = audit.actor_names(session, {r.actor_id for r in rows if r.actor_id})
        audited(session, site, actor, "audit.list", None, {"events": len(rows)})
    for r in rows:
        who = names.get(r.actor_id, "-") if r.actor_id else "system"
        if args.json:
            print_json(
                {
                    "seq": r.seq,
                    "at": r.at.isoformat(),
                    "actor": who,
                    "action": r.action,
                    "subject": r.subject,
                    "detail": r.detail,
                }
            )
        else:
            print(f"{r.seq}\t{r.at:%Y-%m-%d %H:%M:%S}Z\t{who}\t{r.action}\t{r.subject or ''}")
    return 0
