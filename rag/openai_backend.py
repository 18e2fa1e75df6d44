"""Any OpenAI-compatible chat-completions server, through the `openai` client."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from rag.backend import AnswerRequest, LLMError, Message, OnToken, Reply


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
    """

    name = "openai"

    def __init__(self, settings: OpenAISettings) -> None:
        import openai

        self.settings = settings
        self._secret = settings.api_key or ""
        self._client = openai.OpenAI(
            api_key=settings.api_key or "not-needed",
            base_url=settings.base_url,
            timeout=settings.timeout,
            max_retries=settings.max_retries,
        )

    def answer(self, request: AnswerRequest, on_token: OnToken | None = None) -> Reply:
        if on_token is None:
            return Reply(self.complete(request.messages))
        parts = []
        for token in self.stream(request.messages):
            on_token(token)
            parts.append(token)
        return Reply("".join(parts))

    def complete(self, messages: Sequence[Message], **options: Any) -> str:
        return self._once(messages, **options)

    def _once(self, messages: Sequence[Message], **options: Any) -> str:
        try:
            response = self._client.chat.completions.create(
                model=self.settings.model,
                messages=list(messages),  # type: ignore[arg-type]
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

    def stream(self, messages: Sequence[Message], **options: Any) -> Iterator[str]:
        try:
            chunks: Any = self._client.chat.completions.create(
                model=self.settings.model,
                messages=list(messages),  # type: ignore[arg-type]
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
        return self.settings.base_url or "api.openai.com"

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
        return text.replace(self._secret, "***") if self._secret else text
