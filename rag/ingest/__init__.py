"""Ingest: from files and folders to an index that can be searched, never redoing work.

    read       files.py: txt, md, html (trafilatura) and JSONL (jsonl.py) into Articles
               (articles.py), bytes decoded the way the file says (decoding.py)
    skip       what is unchanged (content hash); replace what changed
    dedupe     near-duplicates (syndicated copies) by MinHash (dedupe.py): recorded, not embedded
    chunk      sentence-aware, in the embedding model's own tokens (chunk.py)
    embed      batch by batch, each batch committed whole with its articles (pipeline.py)
    on Ray     read, chunk and embed on a cluster; the writes stay here (on_ray.py)

`rag.app.Rag.ingest` is the door; `pipeline.ingest` and `pipeline.reembed` are the work.
"""
