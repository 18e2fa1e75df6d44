"""The openai backend over real HTTP against a local OpenAI-compatible server, faults included."""

import socket
import time
from collections.abc import Iterator

import pytest
from fake_openai import FakeOpenAI, running_server

from rag.llm.openai_backend import MAX_REPLY_CHARS, OpenAILLM, OpenAISettings
from rag.llm.protocol import AnswerRequest, LLMError

MESSAGES = [{"role": "system", "content": "Cite sources."}, {"role": "user", "content": "Who offered asylum?"}]


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with running_server() as server:
        yield server


def llm_for(server: FakeOpenAI, **overrides: object) -> OpenAILLM:
    settings = {
        "model": "test-model",
        "base_url": server.base_url,
        "api_key": "test-key",
        "timeout": 5.0,
        "max_retries": 1,
        **overrides,
    }
    return OpenAILLM(OpenAISettings(**settings))  # type: ignore[arg-type]


def test_a_completion_returns_the_model_text_and_sends_the_messages(server: FakeOpenAI) -> None:
    assert llm_for(server).complete(MESSAGES) == "Novikov offered asylum [1]."
    assert server.requests[0]["messages"] == MESSAGES
    assert server.requests[0]["model"] == "test-model"


def test_streaming_yields_tokens_as_they_arrive(server: FakeOpenAI) -> None:
    tokens = list(llm_for(server).stream(MESSAGES))
    assert len(tokens) > 1
    assert "".join(tokens) == "Novikov offered asylum [1]."


def test_a_429_is_retried_after_the_time_the_server_asks(server: FakeOpenAI) -> None:
    server.scenarios = ["429"]
    assert llm_for(server).complete(MESSAGES).startswith("Novikov")
    assert len(server.requests) == 2
    assert server.request_times[1] - server.request_times[0] >= 0.9


def test_persistent_500s_end_in_one_clear_error_after_bounded_retries(server: FakeOpenAI) -> None:
    server.scenarios = ["500", "500", "500"]
    with pytest.raises(LLMError, match=r"failed \(500\) after 1 retries"):
        llm_for(server).complete(MESSAGES)
    assert len(server.requests) == 2


def test_a_500_then_success_is_retried(server: FakeOpenAI) -> None:
    server.scenarios = ["500"]
    assert llm_for(server).complete(MESSAGES).startswith("Novikov")


def test_a_slow_reply_times_out_with_a_clear_error(server: FakeOpenAI) -> None:
    server.scenarios = ["slow", "slow"]
    server.slow_seconds = 2.0
    started = time.monotonic()
    with pytest.raises(LLMError, match="no reply from .* within 0.5 s"):
        llm_for(server, timeout=0.5).complete(MESSAGES)
    assert time.monotonic() - started < 10


def test_malformed_json_is_reported_not_crashed_on(server: FakeOpenAI) -> None:
    server.scenarios = ["malformed", "malformed"]
    with pytest.raises(LLMError, match="not valid JSON"):
        llm_for(server).complete(MESSAGES)


def test_a_stream_cut_off_midway_is_an_error_not_a_short_answer(server: FakeOpenAI) -> None:
    server.scenarios = ["cut"]
    with pytest.raises(LLMError, match="ended the stream"):
        list(llm_for(server).stream(MESSAGES))


def test_an_unknown_model_names_the_fix(server: FakeOpenAI) -> None:
    with pytest.raises(LLMError, match="model 'nope' was not found .* --model"):
        llm_for(server, model="nope").complete(MESSAGES)


def test_a_wrong_key_is_refused_without_echoing_the_key(server: FakeOpenAI) -> None:
    with pytest.raises(LLMError, match="refused the API key") as raised:
        llm_for(server, api_key="sk-secret-123").complete(MESSAGES)
    assert "sk-secret-123" not in str(raised.value)
    assert len(server.requests) == 1


def test_an_unreachable_server_is_one_line(server: FakeOpenAI) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    llm = OpenAILLM(OpenAISettings("test-model", f"http://127.0.0.1:{port}/v1", "k", 2.0, 0))
    with pytest.raises(LLMError, match="cannot reach the server"):
        llm.complete(MESSAGES)


# -- every call bounded by wall-clock time, replies capped, secrets scrubbed -------------------


def request() -> AnswerRequest:
    return AnswerRequest("Who offered asylum?", (), tuple(MESSAGES))


@pytest.mark.parametrize("scenario", ["trickle", "drip"])
def test_a_server_that_keeps_sending_slowly_is_cut_off_at_the_timeout(server: FakeOpenAI, scenario: str) -> None:
    server.scenarios = [scenario] * 3
    server.slow_seconds = 0.5
    llm = llm_for(server, timeout=2.0)
    started = time.monotonic()
    with pytest.raises(LLMError, match=r"within 2 s \(RAG_TIMEOUT\)"):
        llm.answer(request(), on_token=(lambda token: None) if scenario == "drip" else None)
    assert time.monotonic() - started < 4


def test_the_client_works_again_after_a_timeout(server: FakeOpenAI) -> None:
    server.scenarios = ["trickle"]
    llm = llm_for(server, timeout=1.0)
    with pytest.raises(LLMError):
        llm.answer(request())
    assert llm.answer(request()).text.startswith("Novikov")


@pytest.mark.parametrize("streamed", [False, True])
def test_a_huge_reply_is_cut_and_says_so(server: FakeOpenAI, streamed: bool) -> None:
    server.scenarios = ["huge"]
    reply = llm_for(server, timeout=30.0).answer(request(), on_token=(lambda token: None) if streamed else None)
    assert reply.truncated and len(reply.text) <= MAX_REPLY_CHARS


@pytest.mark.parametrize("streamed", [False, True])
def test_a_server_echoing_the_key_never_gets_it_printed(server: FakeOpenAI, streamed: bool) -> None:
    server.scenarios = ["echo-auth"]
    shown: list[str] = []
    reply = llm_for(server).answer(request(), on_token=shown.append if streamed else None)
    assert "test-key" not in reply.text and "***" in reply.text
    assert "test-key" not in "".join(shown)


def test_a_key_split_across_streamed_tokens_is_still_scrubbed() -> None:
    from rag.llm.openai_backend import _StreamScrubber

    shown: list[str] = []
    scrubber = _StreamScrubber(("sk-secret-42",), shown.append)
    for token in ["The key is sk-se", "cret", "-42 and more."]:
        scrubber.feed(token)
    assert scrubber.finish() == "".join(shown) == "The key is *** and more."


def test_credentials_in_the_base_url_are_never_printed() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = OpenAISettings("test-model", f"http://user:hunter2pass@127.0.0.1:{port}/v1", "k", 2.0, 0)
    with pytest.raises(LLMError) as raised:
        OpenAILLM(settings).answer(request())
    assert "hunter2pass" not in str(raised.value) and "user:" not in str(raised.value)
    assert "***@127.0.0.1" in str(raised.value)
