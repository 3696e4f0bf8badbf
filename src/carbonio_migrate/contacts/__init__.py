"""Phase 2-3: contacts from CSV and vCard exports, converted for Carbonio's import."""

from __future__ import annotations
