"""Routers and hooks of this package (filled in by its issue)."""
from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Include this package's routers and register its hooks on the app."""
