"""`rag mcp`: the index as an MCP server over stdio, for agents. Its tools return the same
JSON as the command line's `--json` (rag.shapes): search, ask, brief and get_article. Every
argument is checked by `Rag`, so a tool refuses what the command line refuses, with its line.

Every request is answered: a line the SDK cannot read as JSON-RPC (no method, params that are
not an object, a text it cannot decode) would be dropped by its stdio transport, leaving the
client waiting; here it gets a JSON-RPC error under its id. Arguments of the wrong type are one
line, not a validation dump."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rag.app import Rag
from rag.briefings import brief_result_json
from rag.errors import RagError
from rag.shapes import answer_json, article_json, hit_json, story_json


def build_server(rag: Rag) -> Any:
    from mcp.server.mcpserver.exceptions import ToolError

    server = _server_class()(
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
    def brief(topic: str | None = None, story: str | None = None) -> dict[str, Any]:
        """A consolidated briefing: summary, agreements, differences, single-source claims,
        timeline, people. Of one story (`story`, an id from `stories`); on a topic, of the story
        that best matches it, with the other matching stories listed; with neither, a briefing
        per top story."""
        return told(lambda: brief_result_json(rag.briefing(topic or None, None, story or None)))

    @server.tool()
    def stories(min_articles: int = 1) -> dict[str, Any]:
        """The stories in the index (articles grouped by the event they report), biggest and
        newest first: id, headline, article ids, outlets, first and last dates."""
        return told(lambda: {"stories": [story_json(s) for s in rag.stories(None, min_articles)]})

    @server.tool()
    def get_article(article_id: str) -> dict[str, Any]:
        """One article by its id: text, outlet, date, URL, chunks and near-duplicates."""
        return told(lambda: article_json(rag.article(article_id)))

    return server


def serve_stdio(rag: Rag) -> None:
    import anyio

    anyio.run(build_server(rag).run_guarded_stdio)


def _server_class() -> Any:
    """The SDK's server with argument errors in one line, and a stdio loop that answers every
    request (made on first use: the SDK is imported only by `rag mcp`)."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError
    from pydantic import ValidationError

    class GuardedServer(MCPServer):
        async def call_tool(self, name: str, arguments: dict[str, Any], *rest: Any, **options: Any) -> Any:
            try:
                return await super().call_tool(name, arguments, *rest, **options)
            except ToolError as exc:
                if not isinstance(exc.__cause__, ValidationError):
                    raise
                problems = "; ".join(
                    f"{'.'.join(str(part) for part in error['loc']) or 'arguments'}: {error['msg']}"
                    for error in exc.__cause__.errors()
                )
                raise ToolError(f"Error executing tool {name}: {problems}") from exc.__cause__

        async def run_guarded_stdio(self) -> None:
            from rag.mcp.stdio import guarded_stdio

            async with guarded_stdio() as (read_stream, write_stream):
                await self._lowlevel_server.run(
                    read_stream, write_stream, self._lowlevel_server.create_initialization_options()
                )

    return GuardedServer
