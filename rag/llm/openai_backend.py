"""Any OpenAI-compatible chat-completions server, through the `openai` client."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from rag.llm.protocol import AnswerRequest, LLMError, Message, OnToken, Reply

T = TypeVar("T")
MAX_REPLY_CHARS = 32_000
"""About 8,000 tokens: ten times a long answer. A longer reply is cut here and marked truncated."""


@dataclass(frozen=True)
class OpenAISettings:
    model: str
    base_url: str | None = None
    api_key: str | None = None
    timeout: float = 60.0
    max_retries: int = 3
    temperature: float = 0.0


class OpenAILLM:
    """Any OpenAI-compatible chat-completions server, through the `openai` client.

    The client retries 429 (honouring Retry-After), 5xx, timeouts and dropped connections with
    exponential backoff, `max_retries` times; what still fails becomes one clear LLMError.
    Every call, retries included, ends within `timeout` seconds of wall-clock time, however the
    server trickles its bytes; replies are cut at MAX_REPLY_CHARS (and say so); the API key and
    any password in the base URL are scrubbed from everything the server sends back.
    """

    name = "openai"
    writes = True

    def __init__(self, settings: OpenAISettings) -> None:
        self.settings = settings
        self._secrets = tuple(s for s in (settings.api_key, _url_password(settings.base_url)) if s)
        self._client = self._new_client()

    def _new_client(self) -> Any:
        import openai

        return openai.OpenAI(
            api_key=self.settings.api_key or "not-needed",
            base_url=self.settings.base_url,
            timeout=self.settings.timeout,
            max_retries=self.settings.max_retries,
        )

    def answer(self, request: AnswerRequest, on_token: OnToken | None = None) -> Reply:
        if on_token is None:
            text, truncated = self._bounded(lambda: self._cap(self._once(request.messages)))
            return Reply(text, truncated=truncated)
        scrubber = _StreamScrubber(self._secrets, on_token)
        truncated = self._bounded(lambda: self._read_stream(request.messages, scrubber))
        return Reply(scrubber.finish(), truncated=truncated)

    def complete(self, messages: Sequence[Message], **options: Any) -> str:
        text, _ = self._bounded(lambda: self._cap(self._once(messages, **options)))
        return text

    def stream(self, messages: Sequence[Message], **options: Any) -> Iterator[str]:
        """The reply's tokens as they arrive (no wall-clock bound: `answer` adds one)."""
        yield from self._chunks(messages, **options)

    def _cap(self, text: str) -> tuple[str, bool]:
        text = self._scrub(text)
        return (text[:MAX_REPLY_CHARS], True) if len(text) > MAX_REPLY_CHARS else (text, False)

    def _read_stream(self, messages: Sequence[Message], scrubber: _StreamScrubber) -> bool:
        """Feed the stream to the scrubber; True when it was cut at MAX_REPLY_CHARS."""
        for token in self._chunks(messages):
            if scrubber.size + len(token) > MAX_REPLY_CHARS:
                scrubber.feed(token[: MAX_REPLY_CHARS - scrubber.size])
                return True
            scrubber.feed(token)
        return False

    def _bounded(self, work: Callable[[], T]) -> T:
        """Run `work` with a wall-clock deadline of `timeout` seconds; past it the connection is
        dropped and the call fails with one line."""
        outcome: list[T] = []
        failure: list[BaseException] = []

        def run() -> None:
            try:
                outcome.append(work())
            except BaseException as exc:  # handed to the caller below
                failure.append(exc)

        worker = threading.Thread(target=run, name="rag-openai", daemon=True)
        worker.start()
        worker.join(self.settings.timeout)
        if worker.is_alive():
            stalled, self._client = self._client, self._new_client()
            stalled.close()  # abandons the stalled connection; the worker ends with it
            raise LLMError(
                f"no reply from {self._where()} within {self.settings.timeout:g} s (RAG_TIMEOUT), "
                "retries included; is the server overloaded or stalled?"
            )
        if failure:
            raise failure[0]
        return outcome[0]

    def _once(self, messages: Sequence[Message], **options: Any) -> str:
        try:
            response = self._client.chat.completions.create(
                model=self.settings.model,
                messages=list(messages),
                temperature=options.get("temperature", self.settings.temperature),
            )
            choices = getattr(response, "choices", None)
            if not choices or choices[0].message is None:
                raise LLMError(f"the server at {self._where()} sent a reply with no answer in it")
            return choices[0].message.content or ""
        except LLMError:
            raise
        except Exception as exc:  # every openai/httpx failure becomes one line
            raise self._explain(exc) from None

    def _chunks(self, messages: Sequence[Message], **options: Any) -> Iterator[str]:
        try:
            chunks: Any = self._client.chat.completions.create(
                model=self.settings.model,
                messages=list(messages),
                temperature=options.get("temperature", self.settings.temperature),
                stream=True,
            )
            finished = False
            for chunk in chunks:
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                if choice.delta and choice.delta.content:
                    yield choice.delta.content
                if choice.finish_reason:
                    finished = True
            if not finished:
                raise LLMError(f"the server at {self._where()} ended the stream before the answer was complete")
        except LLMError:
            raise
        except Exception as exc:
            raise self._explain(exc) from None

    def _where(self) -> str:
        return _without_credentials(self.settings.base_url) if self.settings.base_url else "api.openai.com"

    def _explain(self, exc: Exception) -> LLMError:
        import openai

        where = self._where()
        model = self.settings.model
        if isinstance(exc, openai.AuthenticationError):
            message = f"the server at {where} refused the API key (401); set OPENAI_API_KEY or RAG_API_KEY"
        elif isinstance(exc, openai.PermissionDeniedError):
            message = f"the server at {where} denied access (403); check the key's permissions"
        elif isinstance(exc, openai.NotFoundError):
            message = f"model {model!r} was not found at {where} (404); pass --model with a model it serves"
        elif isinstance(exc, openai.RateLimitError):
            message = (
                f"the server at {where} kept rate-limiting (429) after "
                f"{self.settings.max_retries} retries; wait and try again"
            )
        elif isinstance(exc, openai.APITimeoutError):
            message = (
                f"no reply from {where} within {self.settings.timeout:g} s "
                f"({self.settings.max_retries} retries); is the server overloaded?"
            )
        elif isinstance(exc, openai.APIConnectionError):
            message = f"cannot reach the server at {where}; check --base-url and that it is running"
        elif isinstance(exc, openai.InternalServerError):
            message = (
                f"the server at {where} failed ({exc.status_code}) after "
                f"{self.settings.max_retries} retries; try again later"
            )
        elif isinstance(exc, openai.APIStatusError):
            message = f"the server at {where} answered with an error ({exc.status_code})"
        elif isinstance(exc, (openai.APIResponseValidationError, ValueError)):
            message = f"the server at {where} sent a reply that is not valid JSON for a chat completion"
        else:
            message = f"the request to {where} failed: {type(exc).__name__}"
        return LLMError(self._scrub(message))

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


class _StreamScrubber:
    """Passes streamed text on with secrets replaced, holding back just enough of the tail that
    a secret split across two tokens is still caught."""

    def __init__(self, secrets: tuple[str, ...], on_token: OnToken) -> None:
        self._secrets = secrets
        self._hold = max((len(s) for s in secrets), default=1) - 1
        self._on_token = on_token
        self._pending = ""
        self._out: list[str] = []
        self.size = 0

    def feed(self, token: str) -> None:
        self.size += len(token)
        self._pending += token
        for secret in self._secrets:
            self._pending = self._pending.replace(secret, "***")
        ready = len(self._pending) - self._hold
        if ready > 0:
            self._emit(self._pending[:ready])
            self._pending = self._pending[ready:]

    def finish(self) -> str:
        self._emit(self._pending)
        self._pending = ""
        return "".join(self._out)

    def _emit(self, text: str) -> None:
        if text:
            self._out.append(text)
            self._on_token(text)


def _url_password(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def _without_credentials(url: str) -> str:
    """The URL as it may be shown: user name and password replaced."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "the configured server"
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
