"""Rendered camera frames of phones showing QR codes, for the demo mode, tests and benchmarks.

Each payload becomes a phone (dark body, bright screen, coloured header like a health-code app,
the QR code, a few lines of "text") held up in front of the camera. Every frame the phones sway
and tilt a little, a glare spot drifts across, and the image gets a slight blur and sensor noise.
Sprites are rendered once per payload set, so a 1280×720 frame costs a few milliseconds.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp

HEADER_GREEN = (80, 170, 40)  # BGR of a green health-code banner


def qr_modules(payload: str | bytes, *, border: int = 4) -> np.ndarray:
    """The QR symbol for a payload (UTF-8 for text) as a bool matrix, True = dark module."""
    import qrcode  # here: the desk's demo camera draws its phones with screen_modules
    import qrcode.constants

    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border,
                         box_size=1)
    code.add_data(data)
    code.make(fit=True)
    return np.array(code.get_matrix(), dtype=bool)


def screen_modules(payload: str) -> np.ndarray:
    """The QR symbol a demo phone shows, as :func:`qr_modules` gives it (level M, a 4-module
    quiet zone), encoded by zxing-cpp, which the desk has loaded anyway: 1.3 ms for a 424-
    character pass instead of the ``qrcode`` package's 25 ms of pure Python, which held the
    interpreter lock on the camera's thread just when the desk decodes the new phones, and
    without loading ``qrcode`` and PIL (4 MiB) into the desk (issue 14)."""
    # ASCII as bytes: no ECI segment, which OpenCV's reader only warns about; other text as
    # str, which zxing-cpp marks UTF-8 (ECI 26) so every reader decodes it as it was
    if not payload:  # zxing-cpp refuses empty content; the qrcode package encodes it
        return qr_modules(payload)
    content: str | bytes = payload.encode("ascii") if payload.isascii() else payload
    symbol = zxingcpp.create_barcode(content, zxingcpp.QRCode, ec_level="M")
    dark: np.ndarray = np.asarray(symbol.to_image(scale=1)) == 0
    return dark


def render_qr(payload: str | bytes, module_px: int = 6, *, border: int = 4) -> np.ndarray:
    """A clean grey image of the QR code (white quiet zone, black modules)."""
    matrix = qr_modules(payload, border=border)
    img = np.where(matrix, 0, 255).astype(np.uint8)
    return np.repeat(np.repeat(img, module_px, axis=0), module_px, axis=1)


@dataclass(frozen=True, slots=True)
class _Sprite:
    image: np.ndarray  # BGR
    mask: np.ndarray  # uint8 255 where the phone is, same height/width


def _phone_sprite(payload: str, height: int, rng: random.Random) -> _Sprite:
    width = int(height * 0.48)
    body = np.zeros((height, width, 3), np.uint8)
    alpha = np.zeros((height, width), np.uint8)
    radius = width // 8
    # Rounded body: two rectangles and four circles.
    cv2.rectangle(alpha, (radius, 0), (width - radius - 1, height - 1), 255, -1)
    cv2.rectangle(alpha, (0, radius), (width - 1, height - radius - 1), 255, -1)
    for cx, cy in ((radius, radius), (width - radius - 1, radius),
                   (radius, height - radius - 1), (width - radius - 1, height - radius - 1)):
        cv2.circle(alpha, (cx, cy), radius, 255, -1)
    body[:] = (28, 26, 30)
    bezel = max(width // 28, 3)
    sx0, sy0, sx1, sy1 = bezel, bezel * 3, width - bezel, height - bezel * 3
    screen = body[sy0:sy1, sx0:sx1]
    screen[:] = (246, 246, 244)
    sh, sw = screen.shape[:2]
    cv2.rectangle(screen, (0, 0), (sw, sh // 7), HEADER_GREEN, -1)
    cv2.rectangle(screen, (sw // 10, sh // 22), (sw // 2, sh // 12), (235, 240, 235), -1)
    # The QR code: as large as the screen's width allows, whole pixels per module.
    matrix = screen_modules(payload)
    module = max(sw * 92 // 100 // matrix.shape[0], 1)
    qr = np.repeat(np.repeat(np.where(matrix, 20, 250).astype(np.uint8), module, 0), module, 1)
    qy, qx = sh // 7 + sh // 30, (sw - qr.shape[1]) // 2
    qh = min(qr.shape[0], sh - qy)
    screen[qy:qy + qh, qx:qx + qr.shape[1]] = qr[:qh, :, None]
    # Lines of "text" under the code.
    y = qy + qh + sh // 30
    while y + sh // 60 < sh - sh // 40:
        length = int(sw * rng.uniform(0.35, 0.8))
        cv2.rectangle(screen, (sw // 10, y), (sw // 10 + length, y + sh // 60), (150, 150, 150), -1)
        y += sh // 22
    return _Sprite(image=body, mask=alpha)


class FrameRenderer:
    """Renders numbered frames; frame ``n`` is deterministic for a given seed and payload set."""

    def __init__(self, payloads: list[str], size: tuple[int, int] = (1280, 720), *,
                 seed: int = 0, blur: float = 1.0, glare: float = 0.55, noise: float = 4.0,
                 motion: float = 1.0) -> None:
        self.size = size
        self.seed = seed
        self.blur = blur
        self.glare = glare
        self.noise = noise
        self.motion = motion
        width, height = size
        # The desk's demo camera draws its randomness from the standard library and OpenCV:
        # numpy.random would add 6.6 MiB to the desk for a few hundred numbers (issue 14).
        rng = random.Random(seed)
        # Background: a dim cabin, a brighter window band, some large soft blobs; built one
        # grey plane and one channel at a time (a frame-sized float32 BGR temporary is 11 MB).
        yy = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
        base = 60 + 70 * np.exp(-((yy - 0.35) ** 2) / 0.05)
        blobs = np.array([[rng.gauss(0.0, 14.0) for _ in range(width // 60 + 1)]
                          for _ in range(height // 60 + 1)], np.float32)
        grey = cv2.resize(blobs, (width, height), interpolation=cv2.INTER_CUBIC)
        grey += base
        self._background = cv2.merge([  # a warm cast
            np.clip(grey * np.float32(cast), 0, 255).astype(np.uint8) for cast in (0.95, 1.0, 1.08)
        ])
        del grey
        # Sensor noise: four (plus, minus) pairs cycling, as windows into one table a few rows
        # taller than the frame, each pair shifted by 17 rows (issue 14: eight frame-sized
        # tables held 21 MiB in the demo desk; this one holds 3 MiB and looks the same). Drawn
        # in place by OpenCV, seeded, so frame n stays the same for a seed.
        self._noise: list[tuple[np.ndarray, np.ndarray]] = []
        if noise > 0:
            shift = 17
            table = np.empty((height + 7 * shift, width, 3), np.uint8)
            cv2.setRNGSeed(seed)
            top = float(int(noise) + 1)
            cv2.randu(table, np.zeros(3), np.full(3, top))  # per channel: [0, top)
            self._noise = [(table[i * shift:i * shift + height],
                            table[(i + 4) * shift:(i + 4) * shift + height]) for i in range(4)]
        gs = min(width, height) // 2
        g = cv2.getGaussianKernel(gs, gs / 6.0)
        glare_map = (g @ g.T) / float((g @ g.T).max())
        self._glare = (glare_map * 255 * glare).astype(np.uint8)
        self._glare3 = cv2.merge([self._glare] * 3)
        self._payloads: list[str] = []
        self._sprites: list[_Sprite] = []
        self.set_payloads(payloads)

    @property
    def payloads(self) -> list[str]:
        """The payloads on screen, left to right."""
        return list(self._payloads)

    def set_payloads(self, payloads: list[str]) -> None:
        """Show these payloads from the next frame on (one phone each, at most four)."""
        if len(payloads) > 4:
            raise ValueError("at most four phones fit in the frame")
        width, height = self.size
        n = max(len(payloads), 1)
        # Phones fill most of the height when alone, shrink to fit side by side otherwise.
        phone_h = int(min(height * 0.92, (width / n) * 0.9 / 0.48))
        rng = random.Random(self.seed + 1)
        self._sprites = [_phone_sprite(p, phone_h, rng) for p in payloads]
        self._payloads = list(payloads)

    def placements(self, n: int) -> list[np.ndarray]:
        """The 2×3 affine transform of each phone sprite in frame ``n``."""
        width, height = self.size
        count = len(self._sprites)
        mats = []
        for i, sprite in enumerate(self._sprites):
            sh, sw = sprite.image.shape[:2]
            t = n / 30.0
            phase = 1.7 * i + 0.3 * self.seed
            angle = self.motion * 4.0 * math.sin(0.9 * t + phase)
            scale = 1.0 + self.motion * 0.03 * math.sin(0.5 * t + phase)
            cx = width * (i + 0.5) / count + self.motion * 14 * math.sin(1.3 * t + phase)
            cy = height / 2 + self.motion * 9 * math.cos(1.1 * t + phase)
            m = cv2.getRotationMatrix2D((sw / 2, sh / 2), angle, scale)
            m[0, 2] += cx - sw / 2
            m[1, 2] += cy - sh / 2
            mats.append(m)
        return mats

    def render(self, n: int) -> np.ndarray:
        """Frame number ``n`` (BGR, uint8)."""
        width, height = self.size
        frame: np.ndarray = self._background.copy()
        for sprite, m in zip(self._sprites, self.placements(n), strict=True):
            self._paste(frame, sprite, m)
        if self.glare > 0:
            t = n / 30.0
            gh, gw = self._glare.shape
            gx = int((width - gw) * (0.5 + 0.45 * math.sin(0.37 * t + self.seed)))
            gy = int((height - gh) * (0.5 + 0.4 * math.cos(0.29 * t)))
            roi = frame[gy:gy + gh, gx:gx + gw]
            cv2.add(roi, self._glare3, dst=roi)
        if self.blur > 0:
            frame = np.asarray(cv2.GaussianBlur(frame, (0, 0), self.blur), dtype=np.uint8)
        if self._noise:
            plus, minus = self._noise[n % len(self._noise)]
            cv2.add(frame, plus, dst=frame)
            cv2.subtract(frame, minus, dst=frame)
        return frame

    @staticmethod
    def _paste(frame: np.ndarray, sprite: _Sprite, m: np.ndarray) -> None:
        fh, fw = frame.shape[:2]
        sh, sw = sprite.image.shape[:2]
        corners = np.array([[0, 0, 1], [sw, 0, 1], [sw, sh, 1], [0, sh, 1]], np.float64) @ m.T
        x0 = max(int(corners[:, 0].min()) - 1, 0)
        y0 = max(int(corners[:, 1].min()) - 1, 0)
        x1 = min(int(corners[:, 0].max()) + 2, fw)
        y1 = min(int(corners[:, 1].max()) + 2, fh)
        if x1 <= x0 or y1 <= y0:
            return
        local = m.copy()
        local[0, 2] -= x0
        local[1, 2] -= y0
        size = (x1 - x0, y1 - y0)
        img = cv2.warpAffine(sprite.image, local, size, flags=cv2.INTER_LINEAR)
        # A hard mask is enough: the frame's blur softens the phone's outline afterwards.
        mask = cv2.warpAffine(sprite.mask, local, size, flags=cv2.INTER_NEAREST)
        cv2.copyTo(img, mask, frame[y0:y1, x0:x1])

    def code_outlines(self, n: int) -> list[tuple[str, np.ndarray]]:
        """Where each payload's phone is in frame ``n`` (payload, 4×2 corner array)."""
        out = []
        for payload, sprite, m in zip(self._payloads, self._sprites, self.placements(n),
                                      strict=True):
            sh, sw = sprite.image.shape[:2]
            c = np.array([[0, 0, 1], [sw, 0, 1], [sw, sh, 1], [0, sh, 1]], np.float64) @ m.T
            out.append((payload, c))
        return out



BOOTH_LIGHT = ("glare", "bright_spots", "low_light", "motion_blur", "moire")


def booth_light_frame(category: str, payload: str, seed: int,
                      size: tuple[int, int] = (1280, 720)) -> np.ndarray:
    """A 720p frame of a phone showing ``payload`` in one of the booth's hard lights.

    ``glare``: a specular sheen across the screen (a floodlight reflected); ``bright_spots``:
    small blown-out reflections (headlights); ``low_light``: a night cabin, dim and noisy;
    ``motion_blur``: the phone moving during the exposure; ``moire``: the camera's pixel grid
    beating against the phone's. Severity varies with ``seed``, from mild to unreadable.
    """
    if category not in BOOTH_LIGHT:
        raise ValueError(f"unknown booth-light category {category!r}")
    rng = np.random.default_rng(seed * 7919 + BOOTH_LIGHT.index(category))
    renderer = FrameRenderer([payload], size, seed=seed, blur=0.7, glare=0.0, noise=0.0,
                             motion=1.0)
    n = int(rng.integers(0, 300))
    frame: np.ndarray = renderer.render(n).astype(np.float32)
    height, width = frame.shape[:2]
    (_, corners), = renderer.code_outlines(n)
    x0, x1 = float(corners[:, 0].min()), float(corners[:, 0].max())
    y0, y1 = float(corners[:, 1].min()), float(corners[:, 1].max())
    cx, cy = (x0 + x1) / 2, y0 + 0.38 * (y1 - y0)  # where the code sits on the screen
    code = 0.42 * (x1 - x0)  # the code's side, roughly
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    if category == "glare":
        angle = rng.uniform(0, np.pi)
        d = (xx - cx) * np.cos(angle) + (yy - cy) * np.sin(angle) - rng.uniform(-0.3, 0.3) * code
        width_px = rng.uniform(0.12, 0.3) * code
        sheen = rng.uniform(120, 230) * np.exp(-(d ** 2) / (2 * width_px ** 2))
        frame = frame * rng.uniform(0.55, 0.8) + sheen[:, :, None]
    elif category == "bright_spots":
        for _ in range(int(rng.integers(2, 6))):
            sx = cx + rng.uniform(-0.5, 0.5) * code
            sy = cy + rng.uniform(-0.5, 0.5) * code
            r = rng.uniform(0.03, 0.08) * code
            spot = np.exp(-((xx - sx) ** 2 + (yy - sy) ** 2) / (2 * r * r))
            frame += 700.0 * spot[:, :, None]
        frame = cv2.GaussianBlur(frame, (0, 0), 1.2)
    elif category == "low_light":
        frame = frame * rng.uniform(0.05, 0.12) + rng.normal(0, rng.uniform(3, 6), frame.shape)
    elif category == "motion_blur":
        length = int(rng.integers(4, 10))
        kernel: np.ndarray = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1.0 / length
        rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5),
                                      float(rng.uniform(0, 180)), 1.0)
        kernel = cv2.warpAffine(kernel, rot, (length, length))
        kernel = (kernel / max(float(kernel.sum()), 1e-6)).astype(np.float32)
        frame = cv2.filter2D(frame, -1, kernel)
    else:  # moire
        # The beat of two pixel grids: bands a few modules apart, darkening the screen by turns.
        period = rng.uniform(2.0, 4.0) * code / 29.0 * 1.8
        angle = rng.uniform(0, np.pi)
        warp = 0.15 * period * np.sin(2 * np.pi * yy / (3.1 * period))
        phase = 2 * np.pi * ((xx + warp) * np.cos(angle) + yy * np.sin(angle)) / period
        a = rng.uniform(0.35, 0.7)
        grid = 1.0 - a * (0.5 + 0.5 * np.cos(phase))
        screen = (np.abs(xx - (x0 + x1) / 2) < (x1 - x0) / 2) & (yy > y0) & (yy < y1)
        frame = np.where(screen[:, :, None], frame * grid[:, :, None], frame)
    out: np.ndarray = np.clip(frame, 0, 255).astype(np.uint8)
    return out
