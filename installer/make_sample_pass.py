"""Make resources/demo/sample-pass.png: the demo-signed checkpoint pass the smoke check decodes.

    .venv/bin/python installer/make_sample_pass.py [--out FILE]

The pass is minted with the demo issuer key (so it is labelled DEMO everywhere) at
``checkpoint.smoke.SAMPLE_ISSUED_AT``; the smoke check verifies it as of an hour later, so the
committed image never expires. ECDSA signatures are randomised: every run gives a different,
equally valid image, so run it only when the claims or the envelope change.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from checkpoint.cli.codes import DEMO_ISSUER, write_png  # noqa: E402
from checkpoint.credentials import (  # noqa: E402
    NucleicAcidTest,
    PassContent,
    PlaceVisit,
    Region,
    TestResult,
)
from checkpoint.credentials.ckp1 import mint  # noqa: E402
from checkpoint.credentials.trust import DEMO_PRIVATE_KEY  # noqa: E402
from checkpoint.domain import CodeColour  # noqa: E402
from checkpoint.smoke import (  # noqa: E402
    SAMPLE_HOLDER,
    SAMPLE_ISSUED_AT,
    SAMPLE_PASS,
    SAMPLE_VALID_HOURS,
)


def sample_content() -> PassContent:
    """A green code, a negative test from the day before, two places in Zhejiang."""
    issued = SAMPLE_ISSUED_AT
    return PassContent(
        holder=SAMPLE_HOLDER,
        code_colour=CodeColour.GREEN,
        code_time=issued - timedelta(minutes=5),
        itinerary_days=14,
        places=(
            PlaceVisit(Region("330100", "杭州市"), date(2022, 4, 16)),
            PlaceVisit(Region("330182", "建德市"), date(2022, 4, 18)),
        ),
        test=NucleicAcidTest(issued - timedelta(hours=20), TestResult.NEGATIVE, "PCR"),
        demo=True,
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SAMPLE_PASS, help=f"default {SAMPLE_PASS}")
    args = parser.parse_args(argv)
    key = serialization.load_pem_private_key(DEMO_PRIVATE_KEY.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    text = mint(
        sample_content(),
        key,
        issuer=DEMO_ISSUER,
        issued_at=SAMPLE_ISSUED_AT,
        expires_at=SAMPLE_ISSUED_AT + timedelta(hours=SAMPLE_VALID_HOURS),
    )
    write_png(text, args.out)
    print(f"{args.out}: {len(text)} characters, {text[:40]}...")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
