"""Search: the Whoosh index (derived from the database) behind a small interface.

`engine` is the only module that imports Whoosh; `sync` keeps the index in step with
committed saves; `queries` turns user input into filters and terms.
"""
