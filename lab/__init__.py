"""Test lab: real servers on loopback and the fixtures that drive them; not shipped."""
