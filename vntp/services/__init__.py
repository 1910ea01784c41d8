"""The two services of the vntp stack: oracle (master data) and imisanzu (its consumer).

They know nothing of the command line or the runtimes: they read their settings and the
standard ``OTEL_*`` variables from the environment and run the same under vntp, compose,
Kubernetes or a person's shell.
"""

__all__ = ()
