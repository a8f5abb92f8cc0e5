"""The JSON codec of the hot paths (orjson): every agency request and reply, and the two JSON
columns of every access record. The profile read spent more on the standard library's
encoder and decoder than on its SQL."""

from typing import Any

import orjson

decode = orjson.loads


def encode_text(value: Any) -> str:
    return orjson.dumps(value).decode()
