"""coursekit: the helpers behind the hands-on CNN course.

One module per concept: ``profiles`` (how much work a notebook does), ``runtime``
(seeding and the environment banner), ``reference`` (NumPy implementations of the
layers), ``data`` (download, verify, cache, load), ``images`` (image files and their checks),
``models``, ``train`` (seeded, timed training), ``plots``, ``execute`` (run a notebook
and record its provenance) and ``results`` (headline numbers and the results page).
"""

__version__ = "0.1.0"
