"""Test-wide settings: notebooks run under the ``smoke`` profile unless told otherwise."""

import os

# nbval's kernels inherit this process's environment.
os.environ.setdefault("COURSEKIT_PROFILE", "smoke")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
