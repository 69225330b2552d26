"""tlstui: explain failed TLS handshakes from a packet capture."""

__version__ = "0.1.0"
