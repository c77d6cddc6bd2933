"""``checkpoint codes keygen|make``: issuer keys and signed checkpoint passes (CKP1)."""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from checkpoint.cli.common import print_json
from checkpoint.cli.verify import parse_at
from checkpoint.config import load_settings
from checkpoint.credentials.ckp1 import mint
from checkpoint.credentials.claims import (
    PASS_NUMBER,
    REGION_CODE,
    GoodsPass,
    NucleicAcidTest,
    PassContent,
    PlaceVisit,
    Region,
    RiskMark,
    TestResult,
)
from checkpoint.credentials.trust import DEMO_PRIVATE_KEY, load_demo_key, public_key_kid
from checkpoint.domain import CodeColour
from checkpoint.errors import CheckpointError
from checkpoint.plates import PlateError, parse_plate

DEMO_ISSUER = "DEMO 演示签发方"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``codes keygen`` and ``codes make``."""
    p = subparsers.add_parser("codes", help="issuer keys and signed checkpoint passes (CKP1)")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)

    kg = verbs.add_parser("keygen", help="make an issuer key pair (EC P-256)")
    kg.add_argument(
        "--out", type=Path, default=Path("."), metavar="DIR", help="where to write (default .)"
    )
    kg.add_argument("--name", default="issuer", help="file name stem (default issuer)")
    kg.add_argument("--force", action="store_true", help="overwrite existing files")
    kg.set_defaults(func=run_keygen)

    mk = verbs.add_parser(
        "make",
        help="mint a signed checkpoint pass (text and PNG)",
        description="Print the CKP1 text of a signed pass; --png also writes its QR code. Without "
        "--key the DEMO issuer key signs, and the pass is labelled DEMO everywhere.",
    )
    mk.add_argument("--key", type=Path, help="issuer private key PEM (default: the DEMO key)")
    mk.add_argument("--issuer", help="issuer name (default: DEMO 演示签发方 / 卡口通行码签发方)")
    mk.add_argument("--at", metavar="ISO8601", help="issue time (default now)")
    mk.add_argument(
        "--valid-hours", type=float, default=24.0, help="validity of the pass (default 24)"
    )
    mk.add_argument("--holder", help="masked holder name, e.g. 张* (no ID numbers)")
    mk.add_argument("--colour", choices=[c.value for c in CodeColour], help="health-code colour")
    mk.add_argument(
        "--code-age-minutes",
        type=float,
        default=None,
        help="a dynamic code: the phone generated it this long before issue "
        "(omit for a static pass)",
    )
    mk.add_argument(
        "--place",
        action="append",
        default=[],
        metavar="CODE:NAME:DATE[:star]",
        help="a place of the itinerary, e.g. 330100:杭州市:2022-04-18; repeatable",
    )
    mk.add_argument(
        "--itinerary-days",
        type=int,
        choices=(7, 14),
        help="the itinerary's window (default 14 when places are given)",
    )
    mk.add_argument(
        "--test-hours-ago", type=float, metavar="H", help="a test sampled H hours before issue"
    )
    mk.add_argument("--test-result", choices=[r.value for r in TestResult], default="negative")
    mk.add_argument("--test-method", default="PCR")
    gp = mk.add_argument_group("goods-vehicle pass (货车通行证)")
    gp.add_argument("--pass-number", metavar="12 DIGITS")
    gp.add_argument("--plate")
    gp.add_argument("--origin", metavar="CODE:NAME")
    gp.add_argument("--destination", metavar="CODE:NAME")
    gp.add_argument("--pass-from", metavar="YYYY-MM-DD")
    gp.add_argument("--pass-to", metavar="YYYY-MM-DD")
    gp.add_argument("--cargo", default="")
    mk.add_argument("--png", type=Path, metavar="FILE", help="also write the QR code as PNG")
    mk.add_argument("--json", action="store_true", help="print JSON (text, kid, demo, png)")
    mk.set_defaults(func=run_make)


def run_keygen(args: argparse.Namespace) -> int:
    out: Path = args.out
    private_path = out / f"{args.name}.key.pem"
    public_path = out / f"{args.name}.pub.pem"
    for path in (private_path, public_path):
        if path.exists() and not args.force:
            raise CheckpointError(f"{path} exists; use --force to overwrite it.")
    key = ec.generate_private_key(ec.SECP256R1())
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        public_path.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    except OSError as exc:
        raise CheckpointError(
            f"Cannot write the key files in {out} ({exc.strerror or exc})."
        ) from exc
    kid = public_key_kid(key.public_key()).hex()
    print(f"Private key: {private_path} (keep it secret)")
    print(
        f"Public key:  {public_path} (kid {kid}); lanes trust it with "
        f"`checkpoint trust import {public_path} --format ckp1 --issuer NAME --as NAME` "
        "(NAME: the issuer name its passes carry, given to `codes make --issuer`)"
    )
    return 0


def _load_key(path: Path | None) -> ec.EllipticCurvePrivateKey:
    file = path or DEMO_PRIVATE_KEY
    try:
        key = serialization.load_pem_private_key(file.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise CheckpointError(
            f"The issuer key {file} cannot be read as an unencrypted PEM private key ({exc})."
        ) from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise CheckpointError(
            f"The issuer key {file} must be an EC P-256 key (make one with `codes keygen`)."
        )
    return key


def _region(text: str, flag: str) -> Region:
    code, _, name = text.partition(":")
    if not REGION_CODE.match(code) or not name:
        raise CheckpointError(f"{flag} {text!r} must be CODE:NAME with a six-digit GB/T 2260 code.")
    return Region(code, name)


def _date(text: str | None, flag: str) -> date:
    try:
        return date.fromisoformat(text or "")
    except ValueError as exc:
        raise CheckpointError(f"{flag} {text!r} is not a date (YYYY-MM-DD).") from exc


def _place(text: str) -> PlaceVisit:
    parts = text.split(":")
    if len(parts) not in (3, 4) or (len(parts) == 4 and parts[3] != "star"):
        raise CheckpointError(f"--place {text!r} must be CODE:NAME:YYYY-MM-DD, optionally :star.")
    return PlaceVisit(
        _region(f"{parts[0]}:{parts[1]}", "--place"),
        _date(parts[2], "--place"),
        RiskMark.STAR if len(parts) == 4 else None,
    )


def build_content(args: argparse.Namespace, issued: datetime) -> PassContent:
    """The pass content from ``codes make`` flags."""
    content = PassContent(holder=args.holder)
    if args.colour:
        colour = next(c for c in CodeColour if c.value == args.colour)
        content = replace(
            content,
            code_colour=colour,
            code_time=None
            if args.code_age_minutes is None
            else issued - timedelta(minutes=args.code_age_minutes),
        )
    if args.place or args.itinerary_days:
        content = replace(
            content,
            places=tuple(_place(p) for p in args.place),
            itinerary_days=args.itinerary_days or 14,
        )
    if args.test_hours_ago is not None:
        result = next(r for r in TestResult if r.value == args.test_result)
        content = replace(
            content,
            test=NucleicAcidTest(
                issued - timedelta(hours=args.test_hours_ago), result, args.test_method
            ),
        )
    goods_flags = (
        args.pass_number,
        args.plate,
        args.origin,
        args.destination,
        args.pass_from,
        args.pass_to,
    )
    if any(goods_flags):
        if not all(goods_flags):
            raise CheckpointError(
                "A goods-vehicle pass needs --pass-number, --plate, --origin, "
                "--destination, --pass-from and --pass-to."
            )
        if not PASS_NUMBER.match(args.pass_number):
            raise CheckpointError(f"--pass-number {args.pass_number!r} must be 12 digits.")
        start, end = _date(args.pass_from, "--pass-from"), _date(args.pass_to, "--pass-to")
        if end < start:
            raise CheckpointError("--pass-to is before --pass-from.")
        try:
            plate = parse_plate(args.plate).text
        except PlateError as exc:
            raise CheckpointError(f"--plate: {exc}") from exc
        content = replace(
            content,
            goods_pass=GoodsPass(
                args.pass_number,
                plate,
                _region(args.origin, "--origin"),
                _region(args.destination, "--destination"),
                start,
                end,
                args.cargo,
            ),
        )
    return content


def write_png(text: str, path: Path) -> None:
    """The pass as a QR code PNG (alphanumeric mode, error correction M)."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=6, border=4)
    qr.add_data(text)
    qr.make(fit=True)
    try:
        qr.make_image(fill_color="black", back_color="white").save(str(path))
    except OSError as exc:
        raise CheckpointError(f"Cannot write {path} ({exc.strerror or exc}).") from exc


def run_make(args: argparse.Namespace) -> int:
    settings = load_settings()
    issued = parse_at(args.at, settings)
    key = _load_key(args.key)
    demo = public_key_kid(key.public_key()) == load_demo_key().kid
    if args.valid_hours <= 0:
        raise CheckpointError("--valid-hours must be positive.")
    content = replace(build_content(args, issued), demo=demo)
    issuer = args.issuer or (DEMO_ISSUER if demo else "卡口通行码签发方")
    if demo and "DEMO" not in issuer:
        issuer = f"DEMO {issuer}"
    text = mint(
        content,
        key,
        issuer=issuer,
        issued_at=issued,
        expires_at=issued + timedelta(hours=args.valid_hours),
    )
    if args.png:
        write_png(text, args.png)
    if args.json:
        print_json(
            {
                "text": text,
                "kid": public_key_kid(key.public_key()).hex(),
                "demo": demo,
                "png": str(args.png) if args.png else None,
            }
        )
    else:
        print(text)
    return 0
