"""The version of carepath, in one place (read by the rule cache and the service)."""

__version__ = "0.1.0"
