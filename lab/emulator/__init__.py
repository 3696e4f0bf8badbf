"""A stand-in for a Carbonio node: admin SOAP, REST imports and `carbonio prov -f`, on loopback.

It answers as `carbonio-reference.md` describes a real server, faults included, so that the
product can be tested against it without knowing it is not talking to Carbonio.
"""

from __future__ import annotations

from lab.emulator.prov import ProvResult, parse_line, run_prov_file
from lab.emulator.server import CarbonioEmulator
from lab.emulator.store import Store

__all__ = ["CarbonioEmulator", "ProvResult", "Store", "parse_line", "run_prov_file"]
