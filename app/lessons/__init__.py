"""Page support for pages with many sections, one module per topic (as ``app.figures`` and ``app.exports``).

A module holds what its page declares and draws besides the lecture itself: the :class:`app.params.Param` lists
of the sections, what they choose between (e.g. the series of a live run) and the panels a live frame repeats, so
that the page reads like the lecture: theory, sections, experiments.
"""
