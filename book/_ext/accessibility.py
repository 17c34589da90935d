"""What the book needs to meet WCAG 2.1 A/AA in light and dark mode, beyond the theme.

tests/test_book_browser.py checks every page in both modes with axe-core; each fix here
answers one of its findings:

- ``static/coursekit-a11y.css``: colours in cell outputs (Keras' ``model.summary()``,
  printed through rich) that keep 4.5:1 contrast in both modes.
- Citations: docutils marks each entry of the references page ``role="doc-biblioentry"``,
  a role deprecated in DPUB-ARIA 1.1 and not allowed inside its ``role="list"``; each
  becomes a ``listitem``, the role ARIA expects there.
"""

from pathlib import Path

STATIC = Path(__file__).parent / "static"


def _add_static_path(app, config):
    config.html_static_path = [*config.html_static_path, str(STATIC)]


def _citation_roles(app, pagename, templatename, context, doctree):
    if "body" in context:
        context["body"] = context["body"].replace('role="doc-biblioentry"', 'role="listitem"')


def setup(app):
    app.connect("config-inited", _add_static_path)
    app.connect("html-page-context", _citation_roles)
    app.add_css_file("coursekit-a11y.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
