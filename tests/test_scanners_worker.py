"""Decoding in a worker process: same codes as in process, off this interpreter's lock, falls
back with one logged sentence, and leaves no child process behind."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from scan_waiting import wait_for

from scanners import CascadeDecoder, CodesDecoded, ProcessDecoder, ScanPipeline, SyntheticSource
from scanners.synthetic import FrameRenderer

PAYLOADS = ["健康码 绿码 张*", "CKP1:WORKER-0123456789ABCDEF"]


def children() -> list[int]:
    """Live child processes of this process (all of them, not only multiprocessing's)."""
    if not sys.platform.startswith("linux"):
        return [p.pid or 0 for p in multiprocessing.active_children()]
    mine = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == mine and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _until_worker_ready(decoder: ProcessDecoder, frame: np.ndarray) -> None:
    """Decode (in process meanwhile) until the worker has come up."""
    wait_for(timeout=60.0,
             cond=lambda: (decoder.decode(frame), decoder.where)[1] == "worker process")


def test_the_worker_reads_what_the_cascade_reads_and_leaves_no_child() -> None:
    before = children()
    frames = [FrameRenderer(PAYLOADS, seed=3).render(n) for n in range(3)]
    decoder = ProcessDecoder()
    decoder.start()
    try:
        _until_worker_ready(decoder, frames[0])
        for frame in frames:
            result = decoder.decode(frame)
            assert sorted(result.texts) == sorted(CascadeDecoder().decode(frame).texts)
            assert sorted(result.texts) == sorted(PAYLOADS)
            assert result.ms >= decoder.worker_ms > 0
        assert len(children()) > len(before)
    finally:
        decoder.close()
    assert children() == before
    # after close it still decodes, in this process
    assert sorted(decoder.decode(frames[0]).texts) == sorted(PAYLOADS)
    assert decoder.where == "in process"


def test_a_bigger_frame_gets_a_bigger_shared_buffer() -> None:
    decoder = ProcessDecoder()
    decoder.start()
    try:
        small = FrameRenderer(["SMALL"], size=(640, 360), seed=1).render(0)
        big = FrameRenderer(["BIG 1080p"], size=(1920, 1080), seed=1).render(0)
        _until_worker_ready(decoder, small)
        assert decoder.decode(small).texts == ["SMALL"]
        assert decoder.decode(big).texts == ["BIG 1080p"]
        assert decoder.decode(small).texts == ["SMALL"]
    finally:
        decoder.close()


def test_a_worker_that_does_not_come_up_in_time_means_decoding_here(
    caplog: pytest.LogCaptureFixture,
) -> None:
    before = children()
    frame = FrameRenderer(["FALLBACK"], seed=2).render(0)
    decoder = ProcessDecoder(start_timeout_s=0.0)
    with caplog.at_level(logging.WARNING, logger="scanners.decode_worker"):
        decoder.start()
        time.sleep(0.01)
        assert decoder.decode(frame).texts == ["FALLBACK"]
        assert decoder.decode(frame).texts == ["FALLBACK"]
    assert decoder.where == "in process"
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["Decoding runs in the desk's own process: the decode worker did not "
                        "start within 0 s."]
    decoder.close()
    assert children() == before


def test_a_worker_that_dies_is_replaced_by_decoding_here(
    caplog: pytest.LogCaptureFixture,
) -> None:
    frame = FrameRenderer(["SURVIVES"], seed=4).render(0)
    decoder = ProcessDecoder()
    decoder.start()
    try:
        _until_worker_ready(decoder, frame)
        decoder._process.kill()  # the worker crashes for real
        decoder._process.join(5)
        with caplog.at_level(logging.WARNING, logger="scanners.decode_worker"):
            assert decoder.decode(frame).texts == ["SURVIVES"]
        assert decoder.where == "in process"
        assert any("stopped answering" in r.getMessage() for r in caplog.records)
    finally:
        decoder.close()


def test_the_pipeline_decodes_in_the_worker_and_stops_it() -> None:
    before = children()
    got: list[CodesDecoded] = []
    lock = threading.Lock()

    def on_codes(event: CodesDecoded) -> None:
        with lock:
            got.append(event)

    pipeline = ScanPipeline(SyntheticSource(PAYLOADS, seed=7), on_codes=on_codes,
                            dedupe_seconds=0.0, isolate_decode=True)
    with pipeline:
        wait_for(timeout=60.0, cond=lambda: pipeline.stats().decode_where == "worker process")
        with lock:
            got.clear()
        wait_for(timeout=60.0, cond=lambda: len(got) >= 5)
        stats = pipeline.stats()
    assert stats.decode_where == "worker process"
    # decode time is the worker's; what the hand-off adds is counted apart, and in capture →
    # decoded
    assert stats.handoff_ms_p95 > 0
    assert stats.latency_ms_mean >= stats.decode_ms_mean > 0
    with lock:
        texts = {c.text for e in got for c in e.codes}
    assert texts == set(PAYLOADS)
    assert not pipeline.running
    assert children() == before
