"""Hearth: real-time facilitation for small, sensitive groups."""

__version__ = "0.1.0"
