"""Phase 2-1: mail, from any IMAP server to Carbonio's."""
