"""Driving the phases: preflight checks, the plan, per-account jobs and their progress."""
