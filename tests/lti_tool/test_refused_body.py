"""A form over MAX_CONTENT_LENGTH (an upload) is read and dropped before its 413, up to DRAIN_LIMIT,
as a refused xAPI batch is (tests/lti_tool/statements/test_bad_bodies.py): see refused_body.py."""

from __future__ import annotations

import io
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder

from lti_tool.refused_body import DRAIN_LIMIT

MIB = 1024 * 1024


@pytest.mark.parametrize(("size", "read"), [(22 * MIB, True), (40 * MIB, False)])
def test_a_form_over_the_limit_is_read_before_the_413(app: Any, size: int, read: bool) -> None:
    assert app.config["MAX_CONTENT_LENGTH"] < size
    assert (size <= DRAIN_LIMIT) is read
    body = io.BytesIO(b"id_token=" + b"x" * (size - 9))
    environ = EnvironBuilder(path="/lti/launch", method="POST", input_stream=body, content_length=size,
                             content_type="application/x-www-form-urlencoded").get_environ()
    status: list[str] = []
    page = b"".join(app.wsgi_app(environ, lambda s, h, e=None: status.append(s)))
    assert status == ["413 REQUEST ENTITY TOO LARGE"]
    assert "文件太大" in page.decode()
    assert body.tell() == (size if read else 0)
