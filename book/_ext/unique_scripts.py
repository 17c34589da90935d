"""Drop repeated inline ``<script>`` blocks from each page.

sphinx-thebe and sphinx-togglebutton add their inline configuration scripts both to
Sphinx's registry and to the running builder, so with Sphinx 7 each appears twice in
every page (once with filename None, once with ''); sphinx-thebe's declares
``const THEBE_JS_URL``, and its second copy is a ``SyntaxError`` in the browser console
(tests/test_book_browser.py finds it).
"""


def _drop_repeats(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files", [])
    seen, unique = set(), []
    for script in scripts:
        key = (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique  # in place: later handlers (MathJax) add to this very list


def setup(app):
    app.connect("html-page-context", _drop_repeats, priority=100)  # before handlers that return
    return {"parallel_read_safe": True, "parallel_write_safe": True}
