"""`redbeat web`: a dashboard to see and operate a RedBeat schedule (`pip install "redbeat-sdk[web]"`).

A small ASGI app (Starlette, Jinja2 templates and a few lines of plain JavaScript shipped in the wheel)
over the SDK's client: every read goes through the store, every write through the client's calls.
`create_app(client, Settings(...))` gives the app; `redbeat web` serves it with uvicorn (web/server.py).
"""

from __future__ import annotations

from .app import create_app
from .site import Settings

__all__ = ["Settings", "create_app"]
