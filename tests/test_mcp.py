"""`rag mcp`, driven through the MCP SDK's own client over stdio, on the real seed index: its
four tools, the same JSON as the command line, and errors as tool errors."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

RAG = str(Path(sys.executable).parent / "rag")


def server(index: Path) -> StdioServerParameters:
    env = {name: os.environ[name] for name in ("RAG_CACHE", "HF_HUB_OFFLINE", "HOME") if name in os.environ}
    return StdioServerParameters(command=RAG, args=["mcp", "--index", str(index)], env=env)


def calls(index: Path, *requests: tuple[str, dict[str, Any]]) -> tuple[set[str], list[Any]]:
    """The server's tool names and the results of the requests, from one session."""

    async def run() -> tuple[set[str], list[Any]]:
        async with Client(server(index)) as client:
            tools = {tool.name for tool in (await client.list_tools()).tools}
            results = [await client.call_tool(name, arguments) for name, arguments in requests]
            return tools, results

    return anyio.run(run)


def payload(result: Any) -> Any:
    if result.structured_content is not None:
        content = result.structured_content
        return content.get("result", content) if isinstance(content, dict) and set(content) == {"result"} else content
    return json.loads(result.content[0].text)


@pytest.fixture(scope="module")
def session(seed_index_master: Path) -> tuple[set[str], list[Any]]:
    return calls(
        seed_index_master,
        ("search", {"query": "political asylum", "k": 2}),
        ("ask", {"question": "Did Musk respond to the Russian offers?"}),
        ("brief", {"topic": "asylum offer"}),
        ("get_article", {"article_id": "no-such-article"}),
        ("ask", {"question": "   "}),
    )


def test_the_server_offers_search_ask_brief_and_get_article(session: tuple[set[str], list[Any]]) -> None:
    assert session[0] == {"search", "ask", "brief", "stories", "get_article"}


def test_search_returns_the_command_lines_passages(session: tuple[set[str], list[Any]]) -> None:
    rows = payload(session[1][0])
    assert len(rows) == 2 and {"article_id", "text", "score"} <= set(rows[0])


def test_ask_returns_the_cited_answer_with_its_disagreement(session: tuple[set[str], list[Any]]) -> None:
    answer = payload(session[1][1])
    assert answer["answer"].startswith("The sources disagree:") and answer["conflicts"]


def test_brief_returns_the_briefing(session: tuple[set[str], list[Any]]) -> None:
    briefing = payload(session[1][2])
    assert briefing["summary"] and briefing["sources"]


def test_a_missing_article_is_a_tool_error_that_says_so(session: tuple[set[str], list[Any]]) -> None:
    result = session[1][3]
    assert result.is_error and "no article" in result.content[0].text


def test_an_empty_question_is_a_tool_error_that_says_how_to_ask(session: tuple[set[str], list[Any]]) -> None:
    result = session[1][4]
    assert result.is_error and "empty" in result.content[0].text
