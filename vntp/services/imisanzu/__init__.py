"""imisanzu: the consumer service (local employees, cached contributions)."""

__all__ = ()
