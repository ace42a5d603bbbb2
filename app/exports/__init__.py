"""The export scripts of the pages, one module per topic (as ``app.figures``).

Each module holds ``SCRIPTS = {section: body}``: the body of the script that :meth:`app.lesson.Lesson.export`
offers for a section. It uses the ``params`` dict of the section (``params["iterations"]`` = {series: iterations}
for a live run) and ``numdl_core`` only, and prints the page's headline numbers with ``report({...})``.
tests/pages/test_export.py runs every one in a fresh process and compares with the page.
"""
