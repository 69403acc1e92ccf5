"""The 12348 hotline service: intake, cases, audit log, channels, auth and CLI."""
