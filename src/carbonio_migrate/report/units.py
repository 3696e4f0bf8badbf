"""Figures as the administrator reads them."""

from __future__ import annotations


def human_size(size: float) -> str:
    """Bytes in decimal units, as mail tools show them (1.5 MB)."""
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"
