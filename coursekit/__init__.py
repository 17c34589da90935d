"""coursekit, the CNN course's helpers. Teaching: reference, models, batchnorm, plots. Data:
datasets, images, pipelines. Runs: profiles, runtime, train, execute, results."""

import os

# Before TensorFlow loads: its C++ log lines (e.g. "use_unbounded_threadpool") stay off.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

__version__ = "0.1.0"
