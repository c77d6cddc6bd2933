"""Local first: a lane records into its own database; a sender delivers its records to the
checkpoint's PostgreSQL server, and the server's staff and rota flow down (see docs/sync.md)."""
