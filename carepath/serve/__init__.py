"""Serving carepath: the HTTP service (``api``: the same API over JSON, with its OpenAPI
schemas) and the web explainer (``web``) that ``carepath serve`` mounts at ``/``."""
