"""The local store: an index folder holding SQLite (articles, chunks, vectors, FTS5, the
manifest; the truth) and a FAISS file derived from it, behind a write lock.

    store.py          the `IndexStore` over the folder, and its writer
    database.py       the schema, reads and snapshots
    connection.py     opening SQLite for a writer, a reader, or a reader that may not write
    writes.py         every write, one transaction each, by the lock's holder only
    pages.py          the server's article pages
    vector_index.py   the FAISS file named after the generation it matches
    vectors.py        which FAISS index type the corpus size calls for
"""
