"""The JSON API under /api/v1 (see `openapi.py` for the document integrators read)."""

from wiki.api.routes import bp as api_blueprint

__all__ = ["api_blueprint"]
