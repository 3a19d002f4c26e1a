"""Search: the Whoosh index, derived from the database, behind a small interface.

`engine` is the only module that imports Whoosh. The services `wiki.services.indexing`
(the index follows committed saves; drift checks) and `wiki.services.search` (query
filters, caching) use it.
"""
