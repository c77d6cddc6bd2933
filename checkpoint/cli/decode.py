"""``checkpoint decode IMAGE...`` and ``checkpoint cameras``."""

from __future__ import annotations

import argparse
import sys

import cv2

from checkpoint.cli.common import print_json
from checkpoint.errors import CheckpointError
from scanners import BACKENDS, DecodeResult, make_decoder, read_image
from scanners.cameras import list_cameras


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``decode`` and ``cameras`` subcommands."""
    dec = subparsers.add_parser(
        "decode",
        help="read the QR codes in image files",
        description="Print one JSON line per image with the QR codes found in it. An unreadable "
        "file gives an error line and the run goes on; the exit code is 1 if any file failed.",
    )
    dec.add_argument(
        "--backend",
        choices=BACKENDS,
        default="auto",
        help="decoder: auto (cascade, default), zxing, zbar or opencv",
    )
    dec.add_argument("images", nargs="+", metavar="IMAGE", help="image files (PNG, JPEG, ...)")
    dec.set_defaults(func=run_decode)

    cams = subparsers.add_parser(
        "cameras",
        help="list attached cameras and the resolutions they accept",
        description="Probe camera indices and print one JSON line per camera found.",
    )
    cams.add_argument(
        "--max-index",
        type=int,
        default=8,
        metavar="N",
        help="probe camera indices 0..N-1 (default 8)",
    )
    cams.set_defaults(func=run_cameras)


def _result_json(path: str, result: DecodeResult) -> dict[str, object]:
    return {
        "file": path,
        "codes": [
            {
                "text": code.text,
                "points": [[round(x, 1), round(y, 1)] for x, y in code.points],
                "backend": code.backend,
            }
            for code in result.codes
        ],
        "ms": round(result.ms, 2),
    }


def run_decode(args: argparse.Namespace) -> int:
    """Decode each image; per-file failures are reported inline and make the exit code 1."""
    decoder = make_decoder(args.backend)
    failed = False
    for path in args.images:
        try:
            result = decoder.decode(read_image(path))
        except CheckpointError as exc:
            print_json({"file": path, "error": str(exc)})
            failed = True
            continue
        except (cv2.error, ValueError, MemoryError) as exc:  # e.g. a decompression bomb
            print_json({"file": path, "error": f"cannot decode this image: {exc}"})
            failed = True
            continue
        print_json(_result_json(path, result))
        sys.stdout.flush()  # a long run shows progress line by line
    return 1 if failed else 0


def run_cameras(args: argparse.Namespace) -> int:
    """One JSON line per camera; a plain note on stderr when there is none."""
    if args.max_index < 1:
        raise CheckpointError("--max-index must be at least 1.")
    cameras = list_cameras(max_index=args.max_index)
    for cam in cameras:
        print_json(
            {
                "index": cam.index,
                "backend": cam.backend,
                "default": [cam.width, cam.height],
                "fourcc": cam.fourcc,
                "resolutions": [list(r) for r in cam.resolutions],
            }
        )
    if not cameras:
        print(
            "checkpoint: no camera found (is it plugged in and not used by another program?)",
            file=sys.stderr,
        )
    return 0
