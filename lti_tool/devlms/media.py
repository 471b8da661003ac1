"""A sample lesson for the demo's video activity: a silent WAV, made here so the demo needs no
network and no media file in the repository. Chromium's <video> plays an audio-only file with the
same time line, events and seeking as a video's, so the player reports viewing time as for a real
lesson (the browser tests use the same kind of file)."""

from __future__ import annotations

import io
import struct
import wave
from functools import cache

from flask import Blueprint, request
from werkzeug.wrappers import Response

from .config import PlatformConfig

LESSON_SECONDS = 120


@cache
def silent_wav(seconds: int = LESSON_SECONDS) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(8000)
        w.writeframes(struct.pack("B", 128) * 8000 * seconds)
    return out.getvalue()


def lesson() -> Response:
    data = silent_wav()
    # Media elements ask for byte ranges (seeking); answer them.
    return Response(data, mimetype="audio/wav").make_conditional(request, accept_ranges=True,
                                                                  complete_length=len(data))


def make_blueprint(cfg: PlatformConfig) -> Blueprint:
    bp = Blueprint("devlms_media", __name__)
    bp.add_url_rule("/media/lesson.wav", "lesson", lesson, methods=["GET"])
    return bp
