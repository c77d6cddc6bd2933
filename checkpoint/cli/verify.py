"""``checkpoint verify``: QR payloads (text or image) → credentials and one person's verdict."""

from __future__ import annotations

import argparse
import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from checkpoint.cli.common import print_json
from checkpoint.config import Settings, load_settings
from checkpoint.credentials import (
    CredentialFormat,
    CredentialResult,
    NucleicAcidTest,
    TestResult,
    shc,
    verify_payloads,
)
from checkpoint.credentials.model import ErrorCode, problem
from checkpoint.credentials.trust import TrustStore
from checkpoint.domain import CodeColour, Occupant, VehicleType
from checkpoint.errors import CheckpointError
from checkpoint.rules.risk_areas import load as load_risk_areas
from checkpoint.rules.verdicts import (
    PersonAssessment,
    Policy,
    evaluate_person,
    findings_from_credentials,
    trust_store_reason,
)


def parse_at(text: str | None, settings: Settings) -> datetime:
    """``--at``: ISO 8601; without an offset it is the site's local time; default now."""
    if text is None:
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CheckpointError(
            f"--at {text!r} is not an ISO 8601 time (e.g. 2022-04-20T08:30:00+08:00)."
        ) from exc
    at = at if at.tzinfo else at.replace(tzinfo=settings.tz)
    if not 1970 < at.year < 9000:
        raise CheckpointError(f"--at {text!r} is outside the years 1971 to 8999.")
    return at


def _input(kind: str) -> Any:
    return lambda value: (kind, value)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``verify`` subcommand."""
    p = subparsers.add_parser(
        "verify",
        help="verify QR payloads offline and print the verdict as JSON",
        description="Verify each --text payload and every QR code in each --image, then apply the "
        "policy to them as one person's findings. Prints one JSON object; exit 0 whenever a "
        "verdict was produced, even a negative one.",
    )
    p.add_argument(
        "--text",
        dest="inputs",
        action="append",
        type=_input("text"),
        metavar="PAYLOAD",
        help="a QR payload (HC1:..., shc:/..., CKP1:..., or anything else); repeatable",
    )
    p.add_argument(
        "--image",
        dest="inputs",
        action="append",
        type=_input("image"),
        metavar="FILE",
        help="an image with QR codes to decode and verify; repeatable",
    )
    p.add_argument("--at", metavar="ISO8601", help="verification time (default: now)")
    p.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="PATH",
        help="certificate (PEM/DER), public key (PEM), JWKS file or a directory of them; "
        "repeatable; added to the data dir's trust store",
    )
    p.add_argument(
        "--trust-issuer",
        metavar="ISS",
        help="bind the keys given with --trust to this issuer (an SHC issuer URL, a DCC "
        "country, a pass issuer name) where their files name none; without it such keys "
        "serve any issuer of their format",
    )
    p.add_argument(
        "--policy", metavar="FILE", help="policy TOML (default: settings, then the shipped default)"
    )
    p.add_argument(
        "--demo",
        action="store_true",
        default=None,
        help="demo mode: trust the DEMO issuer key (also CHECKPOINT_DEMO=1)",
    )
    p.add_argument(
        "--vehicle",
        choices=[v.value for v in VehicleType],
        default="car",
        help="vehicle type (trucks need a goods-vehicle pass); default car",
    )
    p.add_argument(
        "--occupant",
        choices=[o.value for o in Occupant],
        default=None,
        help="driver or passenger (a truck's pass is required of the driver)",
    )
    p.add_argument("--plate", help="the vehicle's plate, checked against a goods-vehicle pass")
    manual = p.add_argument_group("findings by eye (查验员人工核对)")
    manual.add_argument(
        "--colour",
        choices=[c.value for c in CodeColour],
        help="health-code colour seen on the phone",
    )
    manual.add_argument(
        "--code-age-minutes",
        type=float,
        metavar="M",
        help="the time shown on the dynamic health code is M minutes old",
    )
    manual.add_argument(
        "--test-hours",
        type=float,
        metavar="H",
        help="a negative test sampled H hours ago, seen on the phone",
    )
    manual.add_argument(
        "--itinerary-star", choices=["yes", "no"], help="whether the itinerary card shows a star"
    )
    manual.add_argument("--temperature", type=float, metavar="CELSIUS", help="measured temperature")
    manual.add_argument(
        "--lang", choices=["zh_CN", "en"], default="zh_CN", help="reason text language"
    )
    p.set_defaults(func=run_verify)


def _image_results(path: str) -> list[str] | None:
    from scanners import decode_file  # local: keeps the core importable without OpenCV

    texts = decode_file(path).texts
    return texts or None


def _health_card_symbols(path: str) -> dict[str, str]:
    """For each ``shc:/`` text in the image, why its QR symbol breaks the spec (a version above
    22; segments other than ``shc:/`` in byte mode and the digits in numeric mode, read from the
    symbol's bit stream); texts whose symbol is fine are left out."""
    from scanners import read_image  # local, as above
    from scanners.decoders import to_grey
    from scanners.qr_bits import read_symbols

    out: dict[str, str] = {}
    for symbol in read_symbols(to_grey(read_image(path))):
        if not symbol.text.startswith(shc.PREFIX):
            continue
        why = shc.qr_symbol_problem(symbol.version, symbol.modes)
        if why is not None:
            out[symbol.text] = why
    return out


def _gather_texts(inputs: list[tuple[str, str]]) -> list[str | CredentialResult]:
    out: list[str | CredentialResult] = []
    for kind, value in inputs:
        if kind == "text":
            out.append(value)
            continue
        if not Path(value).is_file():
            raise CheckpointError(f"The image {value} does not exist.")
        texts = _image_results(value)
        refused = (
            _health_card_symbols(value)
            if any(t.startswith(shc.PREFIX) for t in texts or ())
            else {}
        )
        if refused:
            out.extend(
                CredentialResult(
                    CredentialFormat.SHC, False, errors=(problem(ErrorCode.SPEC, why),)
                )
                for why in refused.values()
            )
            texts = [t for t in texts or () if t not in refused] or None
            if texts is None:
                continue
        if texts is None:
            out.append(
                CredentialResult(
                    CredentialFormat.UNKNOWN,
                    False,
                    kind="image",
                    errors=(problem(ErrorCode.NO_CODE, f"no QR code found in {Path(value).name}"),),
                )
            )
        else:
            out.extend(texts)
    return out


def assess(
    args: argparse.Namespace,
    results: list[CredentialResult],
    policy: Policy,
    settings: Settings,
    at: datetime,
) -> PersonAssessment:
    """Apply the policy to the credentials plus any findings by eye given as flags."""
    findings = findings_from_credentials(results)
    changes: dict[str, Any] = {}
    if args.colour:
        changes["code_colour"] = next(c for c in CodeColour if c.value == args.colour)
    if args.code_age_minutes is not None:
        changes["code_time"] = at - timedelta(minutes=args.code_age_minutes)
    if args.test_hours is not None:
        changes["test"] = NucleicAcidTest(
            at - timedelta(hours=args.test_hours), TestResult.NEGATIVE, "PCR"
        )
    if args.itinerary_star:
        changes["itinerary_star"] = args.itinerary_star == "yes"
        if findings.places is None:
            changes["places"] = ()
    if args.temperature is not None:
        changes["temperature_c"] = args.temperature
    if args.plate:
        changes["plate"] = args.plate
    if changes:
        manual_only = {"code_colour", "test", "itinerary_star"} & set(changes)
        findings = dataclasses.replace(findings, manual=bool(manual_only), **changes)
    occupant = next((o for o in Occupant if o.value == args.occupant), None)
    vehicle = next(v for v in VehicleType if v.value == args.vehicle)
    return evaluate_person(
        findings,
        policy,
        at,
        vehicle,
        load_risk_areas(settings.data_dir).areas,
        occupant=occupant,
        tz=settings.tz,
    )


def run_verify(args: argparse.Namespace) -> int:
    if not args.inputs:
        raise CheckpointError("Give at least one --text PAYLOAD or --image FILE.")
    settings = load_settings(demo=args.demo)
    at = parse_at(args.at, settings)
    policy = Policy.load(args.policy or settings.policy_file)
    sources: list[Path] = [settings.trust_dir] if settings.trust_dir.is_dir() else []
    trust = TrustStore.load(*sources, demo=settings.demo, as_store=True)
    if args.trust:
        adhoc = TrustStore.load(*map(Path, args.trust), issuer=args.trust_issuer)
        trust.add(adhoc.keys)
        trust.revocation_lists += adhoc.revocation_lists
        trust.unreadable_revocations += adhoc.unreadable_revocations
    gathered = _gather_texts(args.inputs)
    texts = [g for g in gathered if isinstance(g, str)]
    results = [
        *verify_payloads(texts, trust, at, demo=settings.demo, clock_skew=policy.clock_skew),
        *(g for g in gathered if isinstance(g, CredentialResult)),
    ]
    assessment = assess(args, results, policy, settings, at)
    reasons = list(assessment.reasons)
    if not args.trust:
        stale = trust_store_reason(trust.status(at, policy.trust_store_max_age))
        if stale is not None:
            reasons.append(stale)
    print_json(
        {
            "credentials": [r.to_json() for r in results],
            "verdict": {
                "disposition": assessment.disposition.value,
                "reasons": [{"code": r.code, "text": r.text(args.lang)} for r in reasons],
                "policy": assessment.policy,
            },
        }
    )
    return 0
