"""Tests of phase 2-2: reading, repairing and importing calendars."""

from __future__ import annotations
