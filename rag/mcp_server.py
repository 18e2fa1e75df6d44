"""`rag mcp`: the index as an MCP server over stdio, for agents. Its tools return the same
JSON as the command line's `--json`: search, ask, brief and get_article."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rag.errors import RagError
from rag.inputs import check_question
from rag.service import Service


def build_server(service: Service) -> Any:
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    server = MCPServer(
        "rag",
        instructions=(
            "Search, question and brief a local index of news articles. Every answer cites its "
            "sources; an answer the sources do not support says so."
        ),
    )

    def checked(text: str) -> str:
        check_question(text)
        return text

    def told(operation: Callable[[], Any]) -> Any:
        """A user's mistake reaches the agent as the one line the command line would print."""
        try:
            return operation()
        except RagError as exc:
            raise ToolError(str(exc)) from None

    @server.tool()
    def search(query: str, k: int = 5) -> list[dict[str, Any]]:
        """The passages that best match a query, with their article, outlet and date."""
        return told(lambda: service.search(checked(query), max(1, min(k, 100))))

    @server.tool()
    def ask(question: str, k: int = 8) -> dict[str, Any]:
        """A cited answer from the articles; says when the sources disagree or do not say."""
        return told(lambda: service.ask(checked(question), max(1, min(k, 50))))

    @server.tool()
    def brief(topic: str | None = None) -> dict[str, Any]:
        """A consolidated briefing on a topic (or the whole index): summary, agreements,
        differences, single-source claims, timeline, people."""
        return told(lambda: service.brief(checked(topic) if topic else None)[0])

    @server.tool()
    def get_article(article_id: str) -> dict[str, Any]:
        """One article by its id: text, outlet, date, URL, chunks and near-duplicates."""
        return told(lambda: service.article(article_id))

    return server


def serve_stdio(service: Service) -> None:
    build_server(service).run("stdio")
