"""A trigram index that answers repeated ``search_code`` calls without reading the whole tree.

The index is an SQLite database per workspace root (FTS5's ``trigram`` tokenizer) in the cache
folder. Before every query it is brought up to date from modification times (:mod:`.refresh`);
the query's required literals (:mod:`.literals`) pick candidate files (:mod:`.store`), and
ripgrep then searches only those, so the hits are ripgrep's own. Whenever the index cannot be
sure (no literal of three characters, globs, a sub-path, a non-ASCII query, a binary candidate,
too many candidates) the search runs over the whole tree as before (:mod:`.lookup`).
"""
