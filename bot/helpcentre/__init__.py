"""The public help centre at ``/help``: the KB as browsable, searchable pages in four languages.

:mod:`pages` has the routes (included by :func:`bot.web.app.create_app`), :mod:`markdown` the safe
article renderer, :mod:`catalogue` categories and popularity, :mod:`texts` the words, and
:mod:`templates` the HTML. See docs/help-centre.md.
"""
