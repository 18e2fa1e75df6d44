"""Settings: flag, then environment, then default, resolved once; bad values name their fix."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rag.cli import app
from rag.settings import Flags, SettingError, resolve

runner = CliRunner()


def test_a_flag_beats_the_environment_which_beats_the_default() -> None:
    assert resolve(env={}).timeout == 60.0
    assert resolve(env={"RAG_TIMEOUT": "30"}).timeout == 30.0
    assert resolve(Flags(timeout=5.0), env={"RAG_TIMEOUT": "30"}).timeout == 5.0


def test_the_index_comes_from_the_flag_then_rag_index_then_the_default(tmp_path: Path) -> None:
    assert resolve(env={}).index == Path("index")
    assert resolve(env={"RAG_INDEX": str(tmp_path)}).index == tmp_path
    assert resolve(Flags(index=tmp_path / "x"), env={"RAG_INDEX": str(tmp_path)}).index == tmp_path / "x"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("RAG_TIMEOUT", "abc", "RAG_TIMEOUT='abc' is not a number"),
        ("RAG_TIMEOUT", "-1", "RAG_TIMEOUT=-1.0 is out of range"),
        ("RAG_TIMEOUT", "nan", "RAG_TIMEOUT=nan is out of range"),
        ("RAG_MAX_RETRIES", "2.5", "RAG_MAX_RETRIES='2.5' is not a whole number"),
        ("RAG_EMBEDDER", "bert-xl", "RAG_EMBEDDER='bert-xl' is not known"),
        ("RAG_BACKEND", "gpt", "RAG_BACKEND='gpt' is not known"),
        ("RAG_BASE_URL", "localhost:8080", "RAG_BASE_URL must be an http:// or https:// URL"),
    ],
)
def test_a_bad_value_is_an_error_that_names_the_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(SettingError) as raised:
        resolve(env={variable: value})
    assert str(raised.value).startswith(message)


def test_there_is_one_cache_root_and_everything_derived_lives_under_it(tmp_path: Path) -> None:
    settings = resolve(env={"RAG_CACHE": str(tmp_path)})
    assert settings.model_cache.parent == settings.eval_cache.parent == tmp_path
    assert resolve(env={"XDG_CACHE_HOME": str(tmp_path)}).cache == tmp_path / "rag"
    assert resolve(env={"HOME": str(tmp_path)}).cache == tmp_path / ".cache" / "rag"


def test_the_api_key_is_read_but_never_shown() -> None:
    settings = resolve(env={"OPENAI_API_KEY": "sk-hidden-1234"})
    assert settings.api_key == "sk-hidden-1234"
    assert "sk-hidden-1234" not in repr(settings)


@pytest.mark.integration
def test_a_bad_timeout_stops_even_the_offline_backend_with_one_line(
    seed_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAG_TIMEOUT", "abc")
    result = runner.invoke(app, ["ask", "Who offered asylum?", "--index", str(seed_index)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "RAG_TIMEOUT" in result.stderr


def test_an_unknown_embedder_is_one_line_naming_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_EMBEDDER", "nope")
    result = runner.invoke(app, ["search", "anything", "--index", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: RAG_EMBEDDER='nope' is not known")


def test_version_prints_the_package_version() -> None:
    from rag import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"rag {__version__}"
