"""The dashboard's presentation: geometry and shaping of what the pages show, kept out of views and templates.

The modules here other than `contexts` are pure (no database, no Django): they take plain data (selectors'
rows, an engine Definition) and return dataclasses that templates draw. `contexts` assembles a live page's
template context from selectors; views and websocket consumers share it, so a pushed fragment is the same
HTML the page would render.
"""
