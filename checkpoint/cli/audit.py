"""``checkpoint audit verify|list``: check the hash chain of the audit trail, show events."""

from __future__ import annotations

import argparse

from checkpoint import audit
from checkpoint.cli.common import add_db_flag, print_json, site_session
from checkpoint.errors import CheckpointError


class AuditChainBroken(CheckpointError):
    """The audit trail was changed by hand: the chain breaks at a named event."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("audit", help="verify or list the audit trail")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    ve = verbs.add_parser("verify", help="check that no audit event was edited or removed")
    ve.add_argument("--json", action="store_true", help="print JSON")
    add_db_flag(ve)
    ve.set_defaults(func=run_verify)
    ls = verbs.add_parser("list", help="show the latest audit events")
    ls.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    ls.add_argument("--json", action="store_true", help="print JSON lines")
    add_db_flag(ls)
    ls.set_defaults(func=run_list)


def run_verify(args: argparse.Namespace) -> int:
    with site_session(args) as (_settings, session, site):
        report = audit.verify_chain(session, site.id)
    if args.json:
        print_json(
            {
                "ok": report.ok,
                "checked": report.checked,
                "first_broken_seq": report.first_broken_seq,
                "reason": report.reason,
            }
        )
        return 0 if report.ok else 1
    if not report.ok:
        raise AuditChainBroken(
            f"审计链断裂 (audit chain broken) at event {report.first_broken_seq}: "
            f"{report.reason}; {report.checked} events before it are intact."
        )
    print(f"Audit chain intact: {report.checked} events checked.")
    return 0


def run_list(args: argparse.Namespace) -> int:
    with site_session(args) as (_settings, session, site):
        total = audit.count(session, site.id)
        rows = list(audit.events(session, site.id, after_seq=max(0, total - args.limit)))
        names = audit.actor_names(session, {r.actor_id for r in rows if r.actor_id})
    for r in rows:
        actor = names.get(r.actor_id, "-") if r.actor_id else "system"
        if args.json:
            print_json(
                {
                    "seq": r.seq,
                    "at": r.at.isoformat(),
                    "actor": actor,
                    "action": r.action,
                    "subject": r.subject,
                    "detail": r.detail,
                }
            )
        else:
            print(f"{r.seq}\t{r.at:%Y-%m-%d %H:%M:%S}Z\t{actor}\t{r.action}\t{r.subject or ''}")
    return 0
