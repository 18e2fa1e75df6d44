"""The README's "Use from Python" example, run as written: open, ingest, ask, and print each
citation's outlet and quote."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS

from rag.embed import Embedder


def readme_example() -> str:
    section = ROOT.joinpath("README.md").read_text().split("## Use from Python", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README's Use from Python section has no python block"
    return match.group(1)


def test_the_readme_example_prints_an_answer_and_each_citations_outlet_and_quote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, minilm: Embedder
) -> None:
    # `minilm` is not used directly: it makes this an integration test on the session's model
    # cache, which the example's own Rag loads from. The seeds, given an outlet each.
    folder = tmp_path / "seeds"
    folder.mkdir()
    texts = {}
    for number, path in enumerate(sorted(SEEDS.glob("*.txt"))):
        texts[f"Outlet {number}"] = path.read_text()
    folder.joinpath("articles.jsonl").write_text(
        "".join(
            json.dumps({"id": name, "title": "", "source": name, "date": "2025-06-07", "text": text}) + "\n"
            for name, text in texts.items()
        )
    )
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(readme_example(), "README.md", "exec"), {})  # noqa: S102 - the example is ours
    lines = printed.getvalue().splitlines()
    cited = [line for line in lines if re.match(r"\[\d+\] ", line)]
    assert lines and "Russia" in printed.getvalue()
    assert cited, printed.getvalue()
    assert all(re.match(r"\[\d+\] Outlet \d: .+", line) for line in cited), cited
    assert (tmp_path / "index").is_dir()
