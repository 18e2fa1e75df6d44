"""`rag mcp`: the index as an MCP server over stdio, for agents. Its tools return the same
JSON as the command line's `--json` (rag.shapes): search, ask, brief and get_article. Every
argument is checked by `Rag`, so a tool refuses what the command line refuses, with its line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rag.app import Rag
from rag.errors import RagError
from rag.shapes import answer_json, article_json, briefing_json, hit_json


def build_server(rag: Rag) -> Any:
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    server = MCPServer(
        "rag",
        instructions=(
            "Search, question and brief a local index of news articles. Every answer cites its "
            "sources; an answer the sources do not support says so."
        ),
    )

    def told(operation: Callable[[], Any]) -> Any:
        """A user's mistake reaches the agent as the one line the command line would print."""
        try:
            return operation()
        except RagError as exc:
            raise ToolError(str(exc)) from None

    @server.tool()
    def search(query: str, k: int = 5) -> list[dict[str, Any]]:
        """The passages that best match a query (k: 1 to 100), with their article, outlet and date."""
        return told(lambda: [hit_json(hit) for hit in rag.search(query, k)])

    @server.tool()
    def ask(question: str, k: int = 8) -> dict[str, Any]:
        """A cited answer from the articles (k: 1 to 50 passages); says when the sources
        disagree or do not say."""
        return told(lambda: answer_json(rag.ask(question, k)))

    @server.tool()
    def brief(topic: str | None = None) -> dict[str, Any]:
        """A consolidated briefing on a topic (or the whole index): summary, agreements,
        differences, single-source claims, timeline, people."""
        return told(lambda: briefing_json(rag.brief(topic or None)))

    @server.tool()
    def get_article(article_id: str) -> dict[str, Any]:
        """One article by its id: text, outlet, date, URL, chunks and near-duplicates."""
        return told(lambda: article_json(rag.article(article_id)))

    return server


def serve_stdio(rag: Rag) -> None:
    build_server(rag).run("stdio")
