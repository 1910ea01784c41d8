"""Alembic environment: runs this service's revisions through advanced-alchemy."""

from vntp.services._migrations import run_env

run_env()
