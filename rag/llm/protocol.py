"""What every language-model backend takes and gives: the `LLM` protocol, the typed request
(the question and the packed passages as values, and the rendered prompt for backends that read
one) and the reply, plus a scripted fake for tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from rag.errors import RagError
from rag.types import Conflict, Hit

ABSTAIN = "The sources do not answer this question."
"""What every backend says when the passages do not answer: the citation check and the
evaluation read it as an abstention."""

Message = dict[str, str]
OnToken = Callable[[str], None]


@dataclass(frozen=True)
class AnswerRequest:
    """What a backend answers from: the question, the passages under their keys, and the prompt
    built from them (for backends that read text)."""

    question: str
    passages: tuple[tuple[int, Hit], ...]
    messages: tuple[Message, ...] = ()


@dataclass(frozen=True)
class ReplySentence:
    """A sentence of a reply with the keys of the passages it came from, stated by the backend."""

    text: str
    keys: tuple[int, ...]
    note: str = ""  # shown after the citations, not checked: "(Reuters, 2025-06-05)"


@dataclass(frozen=True)
class Reply:
    """A backend's answer. `sentences` is set by backends that know what each sentence cites;
    for the others citations are parsed from `text`. `lead` opens the answer and is not a
    claim to check ("Yes.", "The sources disagree:"). `conflicts` is None when the backend did
    not look for disagreement (the pipeline then does)."""

    text: str
    sentences: tuple[ReplySentence, ...] | None = None
    truncated: bool = False
    lead: str = ""
    short_answer: str | None = None
    conflicts: tuple[Conflict, ...] | None = None
    abstain_reason: str | None = None

    @property
    def abstained(self) -> bool:
        return self.text.strip() == ABSTAIN or (self.sentences is not None and not self.sentences)


class LLM(Protocol):
    name: str
    # Whether the backend writes free text (`complete`): the briefing's map and reduce steps
    # need one; an extractive backend only quotes.
    writes: bool

    def answer(self, request: AnswerRequest, on_token: OnToken | None = None) -> Reply:
        """Answer from the request; with `on_token`, text is passed on as it arrives."""
        ...

    def complete(self, messages: Sequence[Message]) -> str:
        """A free-form chat completion (the briefing's map and reduce steps)."""
        ...


class ConflictFinder(Protocol):
    """Reads where the passages disagree on what a question asks, whatever a model wrote: the
    answer of a backend that does not look for disagreement itself is checked by one."""

    def find_conflicts(self, question: str, passages: Sequence[tuple[int, Hit]]) -> tuple[Conflict, ...]: ...

    def prepare(self, question: str) -> None:
        """Start loading, in the background, what reading `question` will need."""
        ...


class LLMError(RagError):
    """The model server failed in a way the user has to fix or wait out."""


@dataclass
class ScriptedLLM:
    """A test double that returns queued replies and records what it was sent."""

    replies: list[str] = field(default_factory=list)
    calls: list[list[Message]] = field(default_factory=list)
    requests: list[AnswerRequest] = field(default_factory=list)
    name: str = "scripted"
    writes: bool = True

    def answer(self, request: AnswerRequest, on_token: OnToken | None = None) -> Reply:
        self.requests.append(request)
        text = self.complete(request.messages)
        if on_token is not None:
            on_token(text)
        return Reply(text)

    def complete(self, messages: Sequence[Message]) -> str:
        self.calls.append(list(messages))
        return self.replies.pop(0) if self.replies else ABSTAIN
