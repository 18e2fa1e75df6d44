"""`rag mcp`: the index as an MCP server over stdio, for agents.

server.py   the tools (search, ask, brief, get_article) over one `Rag`, in the JSON of `--json`
stdio.py    the wire: every request answered, stray output kept off it
"""
