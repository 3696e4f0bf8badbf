"""Phase 2-2: calendars read leniently, checked, repaired and written for Carbonio."""

from __future__ import annotations
