"""Bad input of every kind, fuzzing, and secrets: nothing crashes, nothing leaks."""

import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS
from fake_openai import briefing_reply, running_server
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from rag.cite import parse_citations
from rag.embed import HashEmbedder
from rag.ingest.chunk import ChunkParams, chunk_text
from rag.ingest.decoding import decode_text
from rag.ingest.files import read_file
from rag.ingest.jsonl import read_jsonl
from rag.prompt import count_tokens, pack
from rag.types import Hit

runner = CliRunner()
FUZZ = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def ingest(*args: str) -> dict:  # type: ignore[type-arg]
    from rag.cli import app

    result = runner.invoke(app, ["ingest", *args, "--json"])
    return json.loads(result.stdout) if result.stdout.strip() else {"exit": result.exit_code, "err": result.stderr}


# -- bad input --------------------------------------------------------------------------------


def test_a_100_mb_file_is_refused_by_size_without_being_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # sparse: no 100 MB written
    [skipped] = read_file(huge).skipped
    assert "100 MB" in skipped.reason and "limit" in skipped.reason


def test_a_one_megabyte_line_without_punctuation_is_chunked_by_token_windows(hash_env: Path, tmp_path: Path) -> None:
    line = tmp_path / "line.txt"
    line.write_text(" ".join(f"word{i % 977}" for i in range(150_000)))
    report = ingest(str(line))
    assert report["added"] == 1 and report["chunks"] > 1000


def test_a_file_that_vanished_is_skipped_with_its_reason(tmp_path: Path) -> None:
    gone = tmp_path / "gone.txt"
    [skipped] = read_file(gone).skipped
    assert "cannot read file" in skipped.reason


def test_a_broken_symlink_is_reported_not_fatal(hash_env: Path, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "ok.txt").write_text("Peskov said it was a domestic issue.")
    (folder / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    report = ingest(str(folder))
    assert report["added"] == 1
    assert any("dangling" in s["path"] for s in report["skipped"])


def test_non_english_and_mixed_script_text_is_ingested_and_searchable(hash_env: Path, tmp_path: Path) -> None:
    from rag.cli import app

    (tmp_path / "ru.txt").write_text("Дмитрий Песков заявил, что это внутреннее дело США. Кремль не вмешивается.")
    (tmp_path / "zh.txt").write_text("俄罗斯议员表示可以向马斯克提供政治庇护。克里姆林宫拒绝置评。")
    (tmp_path / "mixed.md").write_text("# Mixed\n\nMusk ответил emoji 😂. النص العربي هنا. Done.")
    report = ingest(str(tmp_path))
    assert report["added"] == 3
    rows = json.loads(runner.invoke(app, ["search", "Песков внутреннее дело", "--json"]).stdout)
    assert "Песков" in rows[0]["text"]


def test_jsonl_with_wrong_types_and_bad_lines_keeps_the_good_ones(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(
        '{"id": 1, "title": "", "source": "s", "date": null, "text": "Good."}\n'
        '{"id": "2", "text": ["not", "a", "string"]}\n'
        "\xff\xfe garbage\n"
        '{"id": "3", "title": "", "source": "s", "date": 20250101, "text": "Bad date type."}\n'
        '{"id": "4", "title": "", "source": "s", "date": "2025-01-01", "text": "Good too."}\n',
        encoding="latin-1",
    )
    result = read_jsonl(path)
    assert [a.doc_id for a in result.articles] == ["1", "3", "4"]
    assert result.articles[1].date == "2025-01-01"  # 20250101 read as YYYYMMDD
    assert sorted(s.path.rsplit(":", 1)[1] for s in result.skipped) == ["2", "3"]


# -- fuzzing (1,000 examples each; CI runs them) -----------------------------------------------


@pytest.mark.slow
@FUZZ
@given(st.text(), st.integers(min_value=2, max_value=300))
def test_fuzz_chunker_offsets_hold(text: str, target: int) -> None:
    embedder = HashEmbedder(max_tokens=24)
    for chunk in chunk_text(text, embedder, ChunkParams(target_tokens=target)):
        assert text[chunk.start : chunk.end] == chunk.text and 0 < chunk.n_tokens <= 24


@pytest.mark.slow
@FUZZ
@given(st.binary(max_size=4000))
def test_fuzz_decoding_never_raises(raw: bytes) -> None:
    text, problem, _ = decode_text(raw)
    assert (problem is None) == bool(text.strip())


@pytest.mark.slow
@FUZZ
@given(
    st.lists(st.one_of(st.text(max_size=200), st.binary(max_size=200).map(lambda b: b.decode("latin-1"))), max_size=8)
)
def test_fuzz_jsonl_reader_never_raises(tmp_path_factory: pytest.TempPathFactory, lines: list[str]) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "f.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass") if all(
        "\ud800" > c or c > "\udfff" for line in lines for c in line
    ) else path.write_bytes("\n".join(lines).encode("utf-8", "replace"))
    result = read_jsonl(path)
    assert all(a.text.strip() for a in result.articles)


CITED_WORDS = "the council voted budget harbour closed mayor ferry report outlet said storm".split()
_cited_sentence = st.tuples(
    st.lists(st.sampled_from(CITED_WORDS), min_size=1, max_size=8),
    st.sampled_from(".!?"),
    st.lists(st.integers(min_value=1, max_value=40), max_size=3),
    st.sampled_from(["before the stop", "after the stop", "glued to the stop", "one marker each"]),
    st.sampled_from([",", ";", " , ", " ;"]),
    st.sampled_from(["", " "]),
)


@pytest.mark.slow
@FUZZ
@given(st.lists(_cited_sentence, min_size=1, max_size=5), st.text(alphabet=st.characters(), max_size=400))
def test_fuzz_citation_parser_takes_keys_only_from_markers_and_leaves_none_in_the_text(
    written: list[tuple[list[str], str, list[int], str, str, str]], noise: str
) -> None:
    # An answer written from known sentences and keys, in every marker style the parser accepts
    # ("x [1, 2].", "x. [1][2]", "x.[1]", "[ 1 ; 2 ]"): each sentence comes back whole, with its
    # own keys in order and no marker left in its text.
    answer, expected = [], []
    for words, stop, keys, style, separator, pad in written:
        body = " ".join(words).capitalize()
        group = f"[{pad}{separator.join(map(str, keys))}{pad}]" if keys else ""
        each = "".join(f"[{pad}{k}{pad}]" for k in keys)
        answer.append(
            {
                "before the stop": f"{body} {group}{stop}",
                "after the stop": f"{body}{stop} {group}",
                "glued to the stop": f"{body}{stop}{group}",
                "one marker each": f"{body} {each}{stop}",
            }[style]
        )
        expected.append((body + stop, tuple(dict.fromkeys(keys))))
    assert [(p.text, p.keys) for p in parse_citations(" ".join(answer))] == expected
    # Any text at all: every key is a number written in it, and no bracketed number is left.
    numbers = {int(n) for n in re.findall(r"\d+", noise)}
    for sentence in parse_citations(noise):
        assert set(sentence.keys) <= numbers
        assert not re.search(r"\[\d+\]", sentence.text)


@pytest.mark.slow
@FUZZ
@given(st.lists(st.text(min_size=1, max_size=300), min_size=1, max_size=6), st.integers(min_value=0, max_value=400))
def test_fuzz_packer_respects_the_budget_and_whole_sentences(texts: list[str], budget: int) -> None:
    hits = [Hit(i, i, f"d{i}", "T", None, None, None, t, 1.0) for i, t in enumerate(texts, start=1)]
    context = pack(hits, budget)
    assert context.tokens <= budget or not context.passages
    assert count_tokens(context.text) <= budget + len(context.passages) or not context.passages
    for _, hit in context.passages:
        assert hit.text in texts[hit.chunk_id - 1] and texts[hit.chunk_id - 1].startswith(hit.text)


# -- secrets ----------------------------------------------------------------------------------

SECRET = "sk-test-SECRET-never-shown-4242"


@pytest.mark.integration
def test_the_api_key_appears_in_no_output_report_log_or_index(
    seed_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from rag.cli import app

    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    outputs = []
    with running_server(key=SECRET) as server:
        server.reply_fn = lambda payload: briefing_reply(payload) or server.reply
        base = ["--backend", "openai", "--model", "test-model", "--base-url", server.base_url]
        outputs.append(runner.invoke(app, ["ask", "Who offered asylum?", "--index", str(seed_index), *base, "--json"]))
        outputs.append(runner.invoke(app, ["ask", "Who offered asylum?", "--index", str(seed_index), *base]))
        report = tmp_path / "report.json"
        # Questions and the seed story's briefing, which the evaluation builds with the model too.
        seeds = str(ROOT / "eval" / "seeds")
        outputs.append(runner.invoke(app, ["eval", seeds, *base, "--limit", "3", "--out", str(report)]))
        server.key = "another-key"  # now the server refuses ours: the error path
        outputs.append(runner.invoke(app, ["ask", "Who offered asylum?", "--index", str(seed_index), *base]))
    # Every run did its work (a run that failed before reaching the model leaks nothing either):
    # the three with the right key succeed, the one the server refuses fails in one line.
    assert [o.exit_code for o in outputs] == [0, 0, 0, 2], [o.stderr for o in outputs]
    texts = [o.stdout + o.stderr for o in outputs] + [caplog.text, report.read_text()]
    for path in [*seed_index.rglob("*"), *tmp_path.rglob("*")]:
        if path.is_file():
            texts.append(path.read_bytes().decode("latin-1"))
    assert all(SECRET not in text for text in texts)


def test_the_seed_folder_holds_only_articles() -> None:
    assert sorted(p.suffix for p in SEEDS.iterdir()) == [".txt"] * 5
