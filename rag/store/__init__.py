"""Where an index lives: narrow protocols, and the engines that keep them.

    spec.py        what --store / RAG_STORE names: local, qdrant:PATH, qdrant+http://HOST/COLLECTION
    registry.py    opens the store a spec names, says whether one exists, removes a failed first one
    protocol.py    what ingest, retrieval, briefings and the server may ask of a store
    manifest.py    what the vectors mean; a mismatched model is refused
    filters.py     outlets and dates a read may see
    lock.py        one writer at a time
    local/         SQLite (the truth) + FAISS, in a folder
    qdrant/        Qdrant collections, in local mode or on a server (sparse bm25 beside dense)

Nothing above this package reaches into an engine: it opens a store through the registry and
talks to the protocol.
"""
