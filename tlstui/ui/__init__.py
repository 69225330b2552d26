"""The Textual user interface (the only package that imports Textual)."""

from tlstui.ui.app import TlsApp, make_app

__all__ = ["TlsApp", "make_app"]
