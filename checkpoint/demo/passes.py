"""DEMO passes (演示凭证): freshly signed CKP1 codes for the synthetic camera and the demo.

Signed with the demo key shipped in resources/; trusted only in demo mode and labelled DEMO.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from checkpoint.credentials import (
    GoodsPass,
    NucleicAcidTest,
    PassContent,
    PlaceVisit,
    Region,
    RiskMark,
    TestResult,
)
from checkpoint.credentials.ckp1 import mint
from checkpoint.credentials.trust import DEMO_PRIVATE_KEY
from checkpoint.domain import CodeColour

DEMO_HOLDERS = ("王*", "李*", "张*", "刘*")
DEMO_HOME = Region("330182", "建德市")
DEMO_FROM = Region("330106", "杭州市西湖区")


@dataclass(frozen=True)
class DemoPerson:
    """What one demo pass states."""

    colour: CodeColour = CodeColour.GREEN
    star: bool = False
    test_hours: float | None = 20.0
    goods_pass: bool = False


def _demo_key() -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(DEMO_PRIVATE_KEY.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def mint_demo_passes(
    plate: str,
    people: Sequence[DemoPerson],
    at: datetime,
    *,
    nonce: int = 0,
) -> list[str]:
    """Freshly signed DEMO passes (CKP1), one per person, as the synthetic camera shows them.

    Each call mints new codes (``nonce`` and the time go into the signed content), so the demo
    never trips the code-sharing check between vehicles.
    """
    key = _demo_key()
    out = []
    for i, p in enumerate(people):
        holder = DEMO_HOLDERS[i % len(DEMO_HOLDERS)]
        visited = (at - timedelta(days=3 + (nonce % 5))).date()
        places = (
            PlaceVisit(DEMO_FROM, visited, RiskMark.STAR if p.star else None),
            PlaceVisit(DEMO_HOME, at.date()),
        )
        test = None
        if p.test_hours is not None:
            test = NucleicAcidTest(at - timedelta(hours=p.test_hours), TestResult.NEGATIVE)
        goods = None
        if p.goods_pass:
            goods = GoodsPass(
                f"{330100000000 + nonce % 99999:012d}", plate, DEMO_FROM, DEMO_HOME,
                at.date() - timedelta(days=1), at.date() + timedelta(days=6), "生活物资",
            )  # fmt: skip
        content = PassContent(
            holder=holder,
            code_colour=p.colour,
            code_time=at - timedelta(seconds=30 + nonce % 60),
            itinerary_days=14,
            places=places,
            test=test,
            goods_pass=goods,
            demo=True,
        )
        out.append(
            mint(
                content,
                key,
                issuer="DEMO 演示签发方",
                issued_at=at - timedelta(minutes=1),
                expires_at=at + timedelta(hours=24),
            )
        )
    return out
