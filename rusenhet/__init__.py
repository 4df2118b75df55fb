"""rusenhet — registry, interviews and statistics for municipal advisory units for drug cases."""

__version__ = "0.1.0"
