"""Decode benchmark: rate on ../shared/data/qr-samples and time per 1280×720 frame, per backend
and for the cascade; the generated booth-light set (glare, bright spots, low light, motion blur,
moiré) per category and backend; the exposure loop on replayed bracketed frames; then the live
pipeline (capture fps, decode ms, latency, preview pull rate), in process and in the worker
process, each beside a busy Python thread standing in for the GUI.

    .venv/bin/python bench/bench_decode.py [--data ../shared/data] [--seconds 10] [--booth 40]

Budgets (docs/scanning.md): cascade ≥ 97% of qr-samples and ahead of zxing alone in every
booth-light category; p95 ≤ 10 ms per 720p frame live; the exposure loop reads within 15 frames;
the pipeline sustains 30 fps preview while decoding.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scanners import (
    BackendUnavailable,
    CascadeDecoder,
    CodesDecoded,
    Decoder,
    ScanPipeline,
    SyntheticSource,
    make_decoder,
    normalise_newlines,
    read_image,
)
from scanners.decoders import BUDGET_CLOCK
from scanners.exposure import ExposureController
from scanners.pipeline import LIVE_BUDGET_MS, LIVE_SWITCH_INTERVAL_S
from scanners.sources import ExposureSimSource
from scanners.synthetic import BOOTH_LIGHT, FrameRenderer, booth_light_frame

REPO = Path(__file__).resolve().parents[1]
B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95)) if values else 0.0


def load_samples(data: Path) -> list[tuple[str, np.ndarray, str]]:
    out = []
    for png in sorted((data / "qr-samples").glob("qrcode-*/*.png")):
        text = normalise_newlines(png.with_suffix(".txt").read_bytes().decode("utf-8"))
        out.append((f"{png.parent.name}/{png.name}", read_image(png), text))
    return out


def in_720p(image: np.ndarray, background: np.ndarray) -> np.ndarray:
    """The photograph in the middle of a 1280×720 camera frame (shrunk only if it is taller)."""
    frame = background.copy()
    h, w = image.shape[:2]
    scale = min(1.0, 680 / h, 1240 / w)
    if scale < 1.0:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        h, w = image.shape[:2]
    y, x = (720 - h) // 2, (1280 - w) // 2
    frame[y:y + h, x:x + w] = image
    return frame


def run(decoder: Decoder, items: list[tuple[str, np.ndarray, str]]) -> tuple[int, list[float],
                                                                            list[str]]:
    ok, ms, failed = 0, [], []
    decoder.decode(items[0][1])  # warm-up (first call loads libraries, fills cost estimates)
    for name, image, expected in items:
        result = decoder.decode(image)
        ms.append(result.ms)
        if expected in [normalise_newlines(t) for t in result.texts]:
            ok += 1
        else:
            failed.append(name)
    return ok, ms, failed


def row(label: str, ok: int, total: int, ms: list[float]) -> str:
    return (f"{label:<28} {ok:>4}/{total:<4} {100.0 * ok / total:6.1f}%  "
            f"mean {statistics.fmean(ms):6.1f} ms  p95 {p95(ms):6.1f} ms")


def bench_decoders(data: Path) -> None:
    samples = load_samples(data)
    background = FrameRenderer([], seed=11).render(0)
    frames = [(n, in_720p(img, background), t) for n, img, t in samples]
    decoders: list[tuple[str, Callable[[], Decoder]]] = [
        ("zxing", lambda: make_decoder("zxing")),
        ("zbar", lambda: make_decoder("zbar")),
        ("opencv", lambda: make_decoder("opencv")),
        ("auto (cascade, files)", lambda: CascadeDecoder()),
        (f"auto (cascade, live {LIVE_BUDGET_MS:g} ms)",
         lambda: CascadeDecoder(budget_ms=LIVE_BUDGET_MS)),
    ]
    print(f"qr-samples: {len(samples)} photographs, exact text (line endings normalised)")
    print("\n-- the photographs as they are --")
    failures: dict[str, list[str]] = {}
    available = []
    for label, make in decoders:
        try:
            make()
        except BackendUnavailable as exc:
            print(f"{label:<28} skipped: {exc}")
            continue
        available.append((label, make))
    decoders = available
    for label, make in decoders:
        ok, ms, failed = run(make(), samples)
        failures[label] = failed
        print(row(label, ok, len(samples), ms))
    print("\n-- each photograph inside a 1280×720 frame --")
    for label, make in decoders:
        ok, ms, _ = run(make(), frames)
        print(row(label, ok, len(frames), ms))
    print("\ncascade still fails on:", ", ".join(failures["auto (cascade, files)"]))

    print("\n-- rendered 1280×720 camera frames (phones, glare, blur, noise), 60 frames each --")
    long_pass = "CKP1:" + (B45 * 9)[:400]
    scenes = {
        "no phone": [],
        "1 phone, CKP1 400 chars": [long_pass],
        "4 phones": ["健康码 绿码 张*", long_pass[:120], "https://example.org/hc?id=42", "HC1:6BF"],
    }
    for scene, payloads in scenes.items():
        renderer = FrameRenderer(payloads, seed=5)
        rendered = [renderer.render(n) for n in range(60)]
        for label in ("zxing", "zbar", "opencv", f"auto (cascade, live {LIVE_BUDGET_MS:g} ms)"):
            if label not in dict(decoders):
                continue
            decoder = dict(decoders)[label]()
            decoder.decode(rendered[0])
            found, ms = 0, []
            for frame in rendered:
                result = decoder.decode(frame)
                ms.append(result.ms)
                found += sum(1 for p in payloads if p in result.texts)
            want = len(payloads) * len(rendered)
            got = f"{found}/{want}" if want else "-"
            print(f"{scene:<26} {label:<28} codes {got:>9}  mean {statistics.fmean(ms):6.1f} ms"
                  f"  p95 {p95(ms):6.1f} ms")


def _available(labels: list[tuple[str, Callable[[], Decoder]]]) -> list[tuple[str, Decoder]]:
    out = []
    for label, make in labels:
        try:
            out.append((label, make()))
        except BackendUnavailable as exc:
            print(f"{label:<28} skipped: {exc}")
    return out


def bench_booth_light(per_category: int) -> None:
    print(f"\n-- booth light: generated 1280×720 phone frames, {per_category} per category, "
          "codes read / frames --")
    decoders = _available([
        ("zxing", lambda: make_decoder("zxing")),
        ("zbar", lambda: make_decoder("zbar")),
        ("opencv", lambda: make_decoder("opencv")),
        ("cascade (files)", lambda: CascadeDecoder()),
        (f"cascade (live {LIVE_BUDGET_MS:g} ms)", lambda: CascadeDecoder(budget_ms=LIVE_BUDGET_MS)),
    ])
    print(f"load average {os.getloadavg()[0]:.2f}; p95 per frame: wall ms / this thread's CPU ms "
          f"(the live budget is charged on {BUDGET_CLOCK.__name__})")
    print(f"{'category':<14}" + "".join(f"{label:>27}" for label, _ in decoders))
    for category in BOOTH_LIGHT:
        counts = [0] * len(decoders)
        times: list[list[float]] = [[] for _ in decoders]
        cpu: list[list[float]] = [[] for _ in decoders]
        for seed in range(per_category):
            payload = "CKP1:" + (B45 * 5)[seed % 40:seed % 40 + 120]
            frame = booth_light_frame(category, payload, seed)
            for i, (_, decoder) in enumerate(decoders):
                result = decoder.decode(frame)
                counts[i] += payload in result.texts
                times[i].append(result.ms)
                cpu[i].append(result.cpu_ms)
        print(f"{category:<14}" + "".join(
            f"{n:>9}/{per_category:<3} p95 {p95(t):5.1f}/{p95(c):5.1f}"
            for n, t, c in zip(counts, times, cpu, strict=True)))
    print(f"(load average {os.getloadavg()[0]:.2f} at the end)")


def bench_exposure(seeds: int, frames: int = 30) -> None:
    print(f"\n-- exposure loop on replayed bracketed frames (steps -4..+3), {seeds} phones per "
          f"scene, up to {frames} frames --")
    for scene in ExposureSimSource.SCENES:
        needed: list[int] = []
        fixed = 0
        for seed in range(seeds):
            camera = ExposureSimSource(f"CKP1:EXPOSURE-{scene}-{seed:03d}-" + B45[:40],
                                       scene=scene, seed=seed)
            payload_read = False
            decoder = CascadeDecoder(budget_ms=LIVE_BUDGET_MS)
            # The camera left on automatic: does it ever read?
            fixed += any(decoder.decode(camera.frame_at(None, n)).codes for n in range(frames))
            controller = ExposureController()
            decoder = CascadeDecoder(budget_ms=LIVE_BUDGET_MS)
            step: int | None = None
            for n in range(frames):
                result = decoder.decode(camera.frame_at(step, n))
                if result.codes:
                    needed.append(n + 1)
                    payload_read = True
                    break
                request = controller.observe(result)
                if request is not None:
                    step = request.step
            if not payload_read:
                needed.append(frames + 1)
        ok = [n for n in needed if n <= frames]
        print(f"{scene:<6} on automatic exposure: {fixed}/{seeds} read; with the loop: "
              f"{len(ok)}/{seeds} read, frames to the first read median "
              f"{statistics.median(ok) if ok else 0:.0f}, max {max(ok, default=0)}")


def _busy_gui(stop: threading.Event, stalls: list[float]) -> None:
    """A Python thread that wants the interpreter lock all the time, like a busy GUI thread;
    ``stalls`` gets its longest wait between two rounds of work (~0.1 ms each), in ms."""
    x = 0
    longest = 0.0
    last = time.perf_counter()
    while not stop.is_set():
        for i in range(2000):
            x ^= i
        now = time.perf_counter()
        longest = max(longest, now - last)
        last = now
    stalls.append(longest * 1000.0)


def load_average() -> str:
    """The 1-minute load average (the machine is shared: every figure goes with it)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "n/a"


def bench_pipeline(seconds: float, modes: list[str], busy: bool, switch_ms: float) -> None:
    beside = "beside a busy Python thread" if busy else "nothing else running in the process"
    interval = f"switch interval {switch_ms:g} ms"
    for where in modes:
        print(f"\n-- live pipeline, decoding {where}: demo camera 1280×720 at 30 fps, 2 phones, "
              f"{seconds:.0f} s, {beside}, {interval} --")
        _pipeline_run(seconds, where == "worker process", busy, switch_ms)


def _pipeline_run(seconds: float, isolate: bool, busy: bool, switch_ms: float) -> None:
    latencies: list[float] = []
    lock = threading.Lock()

    def on_codes(event: CodesDecoded) -> None:
        with lock:
            latencies.append(event.latency_ms)

    source = SyntheticSource(["健康码 绿码 张*", "CKP1:" + (B45 * 6)[:250]], seed=12)
    # dedupe 0: every decoded frame reports, so every frame's capture-to-report latency counts
    pipeline = ScanPipeline(source, on_codes=on_codes, dedupe_seconds=0.0,
                            isolate_decode=isolate,
                            switch_interval_s=switch_ms / 1000.0)
    pulls: list[float] = []
    stop = threading.Event()

    def preview() -> None:
        """What the GUI's timer does: pull the newest frame at 30 Hz and convert it."""
        last = 0
        while not stop.wait(1 / 30):
            ready = pipeline.latest_frame(after_seq=last)
            if ready is not None:
                last = ready.seq
                cv2.cvtColor(ready.frame, cv2.COLOR_BGR2RGB)
                pulls.append(time.monotonic())

    viewer = threading.Thread(target=preview, name="bench-preview")
    threads = [viewer]
    stalls: list[float] = []
    if busy:
        threads.append(threading.Thread(target=_busy_gui, args=(stop, stalls),
                                        name="bench-busy-gui"))
    decoder = pipeline.decoder
    with pipeline:
        deadline = time.monotonic() + 30
        while pipeline.stats().decode_where == "starting" and time.monotonic() < deadline:
            time.sleep(0.05)
        with lock:
            latencies.clear()
        for t in threads:
            t.start()
        decoding = next(t for t in threading.enumerate() if t.name == "scan-decode")
        decoded0 = pipeline.stats().frames_decoded
        cpu0, worker0, wall0 = time.process_time(), worker_cpu(decoder), time.monotonic()
        thread0 = _thread_cpu(decoding.native_id)
        time.sleep(seconds)
        stats = pipeline.stats()
        cpu, worker = time.process_time() - cpu0, worker_cpu(decoder) - worker0
        thread = _thread_cpu(decoding.native_id) - thread0
        wall = time.monotonic() - wall0
        decoded = max(stats.frames_decoded - decoded0, 1)
        stop.set()
        for t in threads:
            t.join()
    gaps = [(b - a) * 1000 for a, b in itertools.pairwise(pulls)]
    print(f"decoding {stats.decode_where}, load average {load_average()}")
    print(f"capture {stats.capture_fps:5.1f} fps   decode {stats.decode_fps:5.1f} fps   "
          f"decode (the decoder's time) mean {stats.decode_ms_mean:5.1f} ms  "
          f"p95 {stats.decode_ms_p95:5.1f} ms")
    print(f"hand-off p95 {stats.handoff_ms_p95:5.1f} ms   capture → decoded mean "
          f"{stats.latency_ms_mean:5.1f} ms  p95 {stats.latency_ms_p95:5.1f} ms")
    print(f"frames captured {stats.frames_captured}, decoded {stats.frames_decoded}, "
          f"dropped {stats.frames_dropped}; demo camera rendered {source.rendered}")
    busy_line = f"; the busy thread's longest wait {stalls[0]:.0f} ms" if stalls else ""
    print(f"preview pulled {len(pulls) / seconds:5.1f} new frames/s, longest gap "
          f"{max(gaps, default=0):.0f} ms{busy_line}")
    print(f"capture → codes reported: mean {statistics.fmean(latencies or [0]):5.1f} ms  "
          f"p95 {p95(latencies):5.1f} ms  ({len(latencies)} reports)")
    extra = f" + worker process {worker / wall * 100:.0f} %" if worker else ""
    print(f"CPU: this process {cpu / wall * 100:.0f} % of one core{extra}; per decoded frame: "
          f"decode thread {thread / decoded * 1000:.1f} ms (p95 {stats.decode_cpu_ms_p95:.1f})"
          + (f", worker process {worker / decoded * 1000:.1f} ms" if worker else ""))


def _proc_cpu(stat: str) -> float:
    """User + system CPU seconds from a /proc stat file (Linux; 0 elsewhere)."""
    try:
        fields = Path(stat).read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_cpu(decoder: object) -> float:
    """CPU seconds of the decode worker process so far."""
    pid = getattr(getattr(decoder, "_process", None), "pid", None)
    return 0.0 if pid is None else _proc_cpu(f"/proc/{pid}/stat")


def _thread_cpu(native_id: int | None) -> float:
    """CPU seconds of one thread of this process so far."""
    return 0.0 if native_id is None else _proc_cpu(f"/proc/self/task/{native_id}/stat")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--booth", type=int, default=40, help="frames per booth-light category")
    parser.add_argument("--exposure", type=int, default=10, help="phones per exposure scene")
    parser.add_argument("--only", choices=["samples", "booth", "exposure", "pipeline"],
                        help="run one part only")
    parser.add_argument("--where", choices=["both", "in-process", "worker"], default="both",
                        help="pipeline: where to decode")
    parser.add_argument("--no-busy", action="store_true",
                        help="pipeline: without the busy Python thread beside it")
    parser.add_argument("--switch-interval", type=float, default=LIVE_SWITCH_INTERVAL_S * 1000,
                        metavar="MS", help="pipeline: the interpreter's switch interval while "
                        "it runs (default: the desk's; 5 is Python's own)")
    args = parser.parse_args()
    if args.only in (None, "samples"):
        if (args.data / "qr-samples").is_dir():
            bench_decoders(args.data)
        else:
            print(f"no qr-samples under {args.data}; skipping the decoder table")
    if args.only in (None, "booth"):
        bench_booth_light(args.booth)
    if args.only in (None, "exposure"):
        bench_exposure(args.exposure)
    if args.only in (None, "pipeline"):
        modes = {"both": ["in process", "worker process"], "in-process": ["in process"],
                 "worker": ["worker process"]}[args.where]
        bench_pipeline(args.seconds, modes, not args.no_busy, args.switch_interval)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
