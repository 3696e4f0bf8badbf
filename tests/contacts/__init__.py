"""Tests of phase 2-3: reading, converting and importing contacts."""

from __future__ import annotations
