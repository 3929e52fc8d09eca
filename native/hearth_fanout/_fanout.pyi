from collections.abc import Iterable
from typing import Any

def write_frame(
    conns: Iterable[Any], frame: bytes, fast_type: type, /
) -> list[tuple[Any, int]]: ...
