"""The one error a room operation raises: a short code for screens, and a sentence for people."""

from __future__ import annotations


class CommandError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
