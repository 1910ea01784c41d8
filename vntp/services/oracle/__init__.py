"""oracle: the master-data service (employees, employers, contributions)."""

__all__ = ()
