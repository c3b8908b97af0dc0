"""The county server: FastAPI over PostgreSQL, sharing the desk's core rules."""
