"""coursekit: the helpers behind the hands-on CNN course.

One module per concept: ``profiles`` (how much work a notebook does), ``runtime``
(seeding and the environment banner), ``reference`` (NumPy implementations of the
layers), ``data`` (download, verify, cache, load), ``plots`` and ``execute`` (run a
notebook and record its provenance).
"""

__version__ = "0.1.0"
