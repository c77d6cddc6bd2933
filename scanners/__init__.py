"""Camera sources, QR decoders and the scan pipeline. No Qt here: ``ui/`` adapts the events.

``ProcessDecoder`` (the opt-in decode worker) loads on first use: it brings multiprocessing,
which a desk decoding in its own process does not need (issue 14's memory)."""

from typing import TYPE_CHECKING, Any

from scanners.codes import (
    AimHint,
    BackendUnavailable,
    DecodedCode,
    DecodeResult,
    ImageReadError,
    ScanError,
    UnreadRegion,
    normalise_newlines,
)
from scanners.decoders import (
    BACKENDS,
    CascadeDecoder,
    Decoder,
    OpenCvDecoder,
    ZbarDecoder,
    ZxingDecoder,
    decode_file,
    decode_frame,
    make_decoder,
    read_image,
)
from scanners.exposure import (
    CameraControls,
    ControllableSource,
    ExposureController,
    ExposureRequest,
)
from scanners.pipeline import (
    CodesDecoded,
    FrameReady,
    PipelineStats,
    ScanPipeline,
    SourceBack,
    SourceEnded,
    SourceLost,
    SourceOpened,
    StatusEvent,
)
from scanners.sources import (
    CameraSource,
    EndOfStream,
    ExposureSimSource,
    FrameSource,
    ImageFolderSource,
    SourceError,
    SourceInfo,
    SyntheticSource,
    VideoFileSource,
)

if TYPE_CHECKING:
    from scanners.decode_worker import ProcessDecoder


def __getattr__(name: str) -> Any:
    if name == "ProcessDecoder":
        from scanners.decode_worker import ProcessDecoder

        return ProcessDecoder
    raise AttributeError(f"module 'scanners' has no attribute {name!r}")


__all__ = [
    "BACKENDS",
    "AimHint",
    "BackendUnavailable",
    "CameraControls",
    "CameraSource",
    "CascadeDecoder",
    "CodesDecoded",
    "ControllableSource",
    "DecodeResult",
    "DecodedCode",
    "Decoder",
    "EndOfStream",
    "ExposureController",
    "ExposureRequest",
    "ExposureSimSource",
    "FrameReady",
    "FrameSource",
    "ImageFolderSource",
    "ImageReadError",
    "OpenCvDecoder",
    "PipelineStats",
    "ProcessDecoder",
    "ScanError",
    "ScanPipeline",
    "SourceBack",
    "SourceEnded",
    "SourceError",
    "SourceInfo",
    "SourceLost",
    "SourceOpened",
    "StatusEvent",
    "SyntheticSource",
    "UnreadRegion",
    "VideoFileSource",
    "ZbarDecoder",
    "ZxingDecoder",
    "decode_file",
    "decode_frame",
    "make_decoder",
    "normalise_newlines",
    "read_image",
]
