"""A toy kind of rule block, defined in the test suite only: the proof that a kind is one folder.

A *toy quota* pays, per month and clinic (a cell), its pot to the regions whose visits reach the
block's threshold, in proportion to their visits; a cell nobody reaches lapses. It reads a measure
of its own (``toy_visits``, a count) and brings its own lever (``--extra``: more visits), its own
draw model (visits Poisson around a mean, given the observed months) and its own words. Nothing
in the package knows it: ``tests/test_toykind.py`` registers it and runs it through every command.
"""
