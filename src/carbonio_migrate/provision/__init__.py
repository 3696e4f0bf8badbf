"""Phase 1: auto-provisioning settings, accounts and distribution lists."""
