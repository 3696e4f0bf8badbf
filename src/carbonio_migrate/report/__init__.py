"""What the administrator reads: console tables, JSON for scripts, reports."""
