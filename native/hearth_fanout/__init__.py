"""Hearth's one compiled part: a room's frame written to every socket in C (_fanout.c)."""

from hearth_fanout._fanout import write_frame

__all__ = ["write_frame"]
