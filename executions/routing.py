from __future__ import annotations

# Websocket routes; the consumers are added with the live dashboard.
websocket_urlpatterns: list = []
