"""The scan pipeline with real sources and decoders: no camera, no mocks."""

from __future__ import annotations

import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
from scan_waiting import wait_for

from scanners import (
    CameraSource,
    CascadeDecoder,
    CodesDecoded,
    FrameReady,
    ImageFolderSource,
    OpenCvDecoder,
    ScanPipeline,
    SourceBack,
    SourceEnded,
    SourceError,
    SourceLost,
    SourceOpened,
    StatusEvent,
    SyntheticSource,
    VideoFileSource,
)
from scanners.synthetic import FrameRenderer, render_qr


class Recorder:
    """Collects the pipeline's events (called on its threads) for the test thread to inspect."""

    def __init__(self) -> None:
        self.codes: list[CodesDecoded] = []
        self.status: list[StatusEvent] = []
        self.frames = 0
        self._lock = threading.Lock()

    def on_codes(self, event: CodesDecoded) -> None:
        with self._lock:
            self.codes.append(event)

    def on_status(self, event: StatusEvent) -> None:
        with self._lock:
            self.status.append(event)

    def on_frame(self, event: FrameReady) -> None:
        with self._lock:
            self.frames += 1

    def texts(self) -> list[str]:
        with self._lock:
            return [c.text for e in self.codes for c in e.codes]

    def kinds(self) -> list[type]:
        with self._lock:
            return [type(e) for e in self.status]

    def pipeline(self, source: object, **kw: object) -> ScanPipeline:
        return ScanPipeline(
            source,
            on_codes=self.on_codes,
            on_status=self.on_status,  # type: ignore[arg-type]
            on_frame=self.on_frame,
            **kw,
        )  # type: ignore[arg-type]


def test_minted_checkpoint_pass_comes_out_of_the_pipeline_and_verifies() -> None:
    from cryptography.hazmat.primitives import serialization

    from checkpoint.credentials import PassContent, verify_payload
    from checkpoint.credentials.ckp1 import mint
    from checkpoint.credentials.trust import DEMO_PRIVATE_KEY, TrustStore
    from checkpoint.domain import CodeColour

    key = serialization.load_pem_private_key(DEMO_PRIVATE_KEY.read_bytes(), None)
    now = datetime(2022, 5, 1, 8, 0, tzinfo=UTC)
    content = PassContent(holder="张*", code_colour=CodeColour.GREEN, code_time=now, demo=True)
    payload = mint(
        content,
        key,
        issuer="DEMO",
        issued_at=now,  # type: ignore[arg-type]
        expires_at=now + timedelta(days=1),
    )
    rec = Recorder()
    pipeline = rec.pipeline(SyntheticSource([payload, "健康码 绿码"], seed=2))
    with pipeline:
        wait_for(lambda: payload in rec.texts())
    result = verify_payload(
        rec.texts()[rec.texts().index(payload)],
        TrustStore(demo_trusted=True),
        now + timedelta(hours=1),
        demo=True,
    )
    assert result.trusted, result.errors
    assert result.fields["holder"] == "张*"


def test_long_base45_payload_and_dedupe_and_payload_change() -> None:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
    long_payload = "CKP1:" + (alphabet * 9)[:400]
    rec = Recorder()
    source = SyntheticSource([long_payload], seed=4)
    with rec.pipeline(source, dedupe_seconds=30.0) as pipeline:
        wait_for(lambda: long_payload in rec.texts())
        wait_for(lambda: pipeline.stats().frames_decoded >= 15)
        assert rec.texts() == [long_payload]  # seen in every frame, reported once
        source.set_payloads(["第二位乘客"])
        wait_for(lambda: "第二位乘客" in rec.texts())
        pipeline.reset_dedupe()
        source.set_payloads([long_payload])
        wait_for(lambda: rec.texts().count(long_payload) == 2)
        latency = [e.latency_ms for e in rec.codes]
    assert latency and all(ms >= 0 for ms in latency)


def test_latest_frame_is_a_private_copy_with_outlines() -> None:
    rec = Recorder()
    with rec.pipeline(SyntheticSource(["OUTLINE"], seed=5)) as pipeline:
        wait_for(lambda: "OUTLINE" in rec.texts())
        first = pipeline.latest_frame()
        assert first is not None
        assert first.frame.shape == (720, 1280, 3)
        first.frame[:] = 0  # scribbling on it must not reach the pipeline
        wait_for(lambda: pipeline.latest_frame(after_seq=first.seq) is not None)
        later = pipeline.latest_frame(after_seq=first.seq)
        assert later is not None and later.seq > first.seq
        assert later.frame.any()
        assert pipeline.latest_frame(after_seq=10**9) is None
        wait_for(lambda: (f := pipeline.latest_frame()) is not None and f.outlines)
        frame = pipeline.latest_frame()
        assert frame is not None
        assert [c.text for c in frame.outlines] == ["OUTLINE"]
    assert rec.frames > 0


def _write_code_image(folder: Path, name: str, payload: str) -> None:
    canvas = np.full((480, 640, 3), 200, np.uint8)
    qr = render_qr(payload, module_px=6)
    canvas[40 : 40 + qr.shape[0], 80 : 80 + qr.shape[1]] = qr[:, :, None]
    assert cv2.imwrite(str(folder / name), canvas)


def test_a_source_that_fails_is_reported_lost_and_comes_back(tmp_path: Path) -> None:
    folder = tmp_path / "camera"
    folder.mkdir()
    _write_code_image(folder, "1.png", "车主 健康码")
    rec = Recorder()
    source = ImageFolderSource(folder, fps=30)
    pipeline = rec.pipeline(source, dedupe_seconds=0.0, retry_initial_s=0.05, retry_max_s=0.2)
    with pipeline:
        wait_for(lambda: "车主 健康码" in rec.texts())
        assert rec.kinds() == [SourceOpened]
        assert pipeline.stats().source_ok
        unplugged = tmp_path / "unplugged"
        folder.rename(unplugged)  # the "camera" disappears for real
        wait_for(lambda: SourceLost in rec.kinds())
        assert not pipeline.stats().source_ok
        seen_before = len(rec.texts())
        time.sleep(0.5)  # several reconnect attempts fail meanwhile, reported once
        assert rec.kinds().count(SourceLost) == 1
        assert pipeline.stats().reconnect_attempts >= 2
        unplugged.rename(folder)
        wait_for(lambda: SourceBack in rec.kinds())
        wait_for(lambda: len(rec.texts()) > seen_before)
        assert pipeline.stats().source_ok
    assert rec.kinds() == [SourceOpened, SourceLost, SourceBack]
    back = rec.status[-1]
    assert isinstance(back, SourceBack) and back.down_seconds > 0.4


def test_a_source_missing_at_start_is_lost_then_back(tmp_path: Path) -> None:
    folder = tmp_path / "later"
    rec = Recorder()
    source = ImageFolderSource(folder, fps=30)
    with rec.pipeline(source, retry_initial_s=0.05, retry_max_s=0.1):
        wait_for(lambda: SourceLost in rec.kinds())
        folder.mkdir()
        _write_code_image(folder, "a.png", "LATE")
        wait_for(lambda: "LATE" in rec.texts())
    assert rec.kinds() == [SourceLost, SourceBack]


def test_a_slow_decoder_drops_stale_frames_instead_of_queueing() -> None:
    rec = Recorder()
    # OpenCV's detector takes ~30 ms per 720p frame here: slower than the 60 fps source.
    source = SyntheticSource(["SLOW"], fps=60, seed=6)
    with rec.pipeline(source, decoder=OpenCvDecoder()) as pipeline:
        wait_for(lambda: pipeline.stats().frames_captured >= 60)
        stats = pipeline.stats()
    assert stats.frames_dropped > 0
    assert stats.frames_decoded + stats.frames_dropped <= stats.frames_captured
    assert stats.capture_fps > 0
    assert stats.decode_ms_mean > 0 and stats.decode_ms_p95 >= stats.decode_ms_mean * 0.5


def test_video_file_plays_to_the_end(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    renderer = FrameRenderer(["VIDEO 视频"], size=(640, 360), seed=7, noise=0)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30, (640, 360))
    assert writer.isOpened()
    for n in range(20):
        writer.write(renderer.render(n))
    writer.release()
    rec = Recorder()
    with rec.pipeline(VideoFileSource(path, loop=False, realtime=False)):
        wait_for(lambda: SourceEnded in rec.kinds())
        wait_for(lambda: "VIDEO 视频" in rec.texts())
    assert rec.kinds() == [SourceOpened, SourceEnded]


def test_a_broken_callback_does_not_stop_the_pipeline() -> None:
    got: list[str] = []

    def explode(event: FrameReady) -> None:
        raise RuntimeError("subscriber bug")

    source = SyntheticSource(["STILL HERE"], seed=8)
    with ScanPipeline(
        source, on_frame=explode, on_codes=lambda e: got.extend(c.text for c in e.codes)
    ):
        wait_for(lambda: got)
    assert got == ["STILL HERE"]


def test_stop_is_idempotent_and_start_twice_is_refused() -> None:
    pipeline = ScanPipeline(SyntheticSource([]))
    pipeline.stop()  # before start: nothing to do
    pipeline.start()
    with pytest.raises(RuntimeError):
        pipeline.start()
    pipeline.stop()
    pipeline.stop()
    assert not pipeline.running
    assert not pipeline.stats().running


def test_absent_camera_is_a_plain_source_error() -> None:
    camera = CameraSource(index=97)
    with pytest.raises(SourceError, match="camera 97"):
        camera.open()
    camera.close()


def test_the_demo_camera_renders_a_few_frames_per_phone_change_and_plays_them_back() -> None:
    source = SyntheticSource(["PLAYBACK 回放"], fps=0, cycle=4, seed=3)
    source.open()
    frames = [source.read() for _ in range(14)]
    assert source.rendered == 4
    # back and forth over the four rendered frames: the phones keep swaying, nothing jumps
    for frame, k in zip(frames, [0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1], strict=True):
        assert frame is frames[k]
    assert not np.array_equal(frames[0], frames[3])
    assert not frames[0].flags.writeable  # shared: nobody may scribble on the camera's frames
    assert CascadeDecoder().decode(frames[2]).texts == ["PLAYBACK 回放"]
    source.set_payloads([])  # nobody holds up a phone: one frame
    assert source.payloads == []
    empty = [source.read() for _ in range(5)]
    assert source.rendered == 5 and all(f is empty[0] for f in empty)
    assert CascadeDecoder().decode(empty[0]).texts == []
    source.set_payloads(["NEXT CAR", "第二位"])
    assert sorted(CascadeDecoder().decode(source.read()).texts) == sorted(["NEXT CAR", "第二位"])
    with pytest.raises(ValueError):
        source.set_payloads(["1", "2", "3", "4", "5"])


def test_the_pipeline_sets_the_switch_interval_while_it_runs_and_times_each_frame() -> None:
    before = sys.getswitchinterval()
    pipeline = ScanPipeline(SyntheticSource(["SWITCH"], seed=3), switch_interval_s=0.001)
    with pipeline:
        assert sys.getswitchinterval() == pytest.approx(0.001)
        wait_for(lambda: pipeline.stats().frames_decoded >= 5)
        stats = pipeline.stats()
    assert sys.getswitchinterval() == before
    # two at once (a desk restarting its camera): the process's own value comes back only
    # when the last one stops
    first = ScanPipeline(SyntheticSource([]), switch_interval_s=0.002)
    second = ScanPipeline(SyntheticSource([]), switch_interval_s=0.001)
    try:
        first.start()
        second.start()
        assert sys.getswitchinterval() == pytest.approx(0.001)
        first.stop()
        assert sys.getswitchinterval() == pytest.approx(0.001)
    finally:
        first.stop()
        second.stop()
    assert sys.getswitchinterval() == before
    # capture → decoded holds each frame's decoding, and the decode thread spent CPU on it
    assert stats.latency_ms_mean >= stats.decode_ms_mean > 0
    assert stats.latency_ms_p95 >= stats.decode_ms_p95
    assert stats.decode_cpu_ms_p95 >= stats.decode_cpu_ms_mean * 0.5 > 0
    assert stats.decode_where == "in process"
