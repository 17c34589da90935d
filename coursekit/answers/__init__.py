"""The answer key of the chapters' exercises: one module per chapter (``convolution`` for
chapter 1, ...), one function per answer, which takes the learner's answer and returns a
``check.Feedback``. The expected values live here, not in the notebooks, so that a student
notebook's checks (``print(answers.valid_size(valid))``) do not give them away. The chapters
``assert`` the same functions on their worked solutions, so every run checks the key."""
