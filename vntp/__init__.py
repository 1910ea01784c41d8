"""vntp: vendor-neutral telemetry, proven on a live stack."""

__version__ = "0.1.0"

__all__ = ("__version__",)
