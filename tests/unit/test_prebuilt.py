"""geo.prebuilt: what the map derives from the commune layers, kept on disk (issue 14's cold start)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from geo import prebuilt
from geo.mapview import background as bg
from geo.mapview.cards import commune_texts
from geo.paths import ROOT
from geo.prebuilt import Store


@pytest.fixture
def files(tmp_path):
    """A store over two source files and one code file of a temporary directory."""
    (tmp_path / "a.parquet").write_bytes(b"layer a")
    (tmp_path / "b.parquet").write_bytes(b"layer b")
    (tmp_path / "make.py").write_text("def make(): ...\n")

    def store() -> Store:
        return Store(
            tmp_path / "kept", sources=[tmp_path / "a.parquet", tmp_path / "b.parquet"], code=[tmp_path / "make.py"]
        )

    store.dir = tmp_path
    return store


def _get(store: Store, made_with="fr", value=None, calls=None):
    def make():
        calls.append(1)
        return value if value is not None else {"rings": ["abc", "d<e>f"], "n": 3}

    calls = [] if calls is None else calls
    return store.get("outlines", made_with, make, lambda v: v, lambda v: v), calls


def test_a_thing_is_made_once_then_read_by_a_new_process(files):
    value, calls = _get(files())
    assert calls == [1]
    again, calls = _get(files())  # a new Store: as a new process makes it
    assert calls == [] and again == value
    assert [p.name for p in (files.dir / "kept").iterdir()] == [f"outlines-{files().key}.json"]


def test_a_changed_layer_or_code_makes_it_again_and_drops_the_old_file(files):
    first = files()
    _get(first)
    (files.dir / "a.parquet").write_bytes(b"layer a, rebuilt")
    second = files()
    assert second.key != first.key
    _, calls = _get(second)
    assert calls == [1]
    (files.dir / "make.py").write_text("def make(): return 1\n")
    third = files()
    assert third.key not in (first.key, second.key)
    _, calls = _get(third)
    assert calls == [1]
    assert [p.name for p in (files.dir / "kept").iterdir()] == [f"outlines-{third.key}.json"]


def test_what_it_was_made_with_is_checked_when_read(files):
    _get(files(), made_with=["fr", {"dep": {"59": "Nord"}}])
    _, calls = _get(files(), made_with=["fr", {"dep": {"59": "Nord"}}])
    assert calls == []
    _, calls = _get(files(), made_with=["fr", {"dep": {"59": "Nord (59)"}}])
    assert calls == [1]


@pytest.mark.parametrize(
    "content", [b"", b"\x00\xff not json", b"[1, 2]", b'{"made_with": 3}', b'{"value": {}}', b"{\"made_with\": \"x\""]
)
def test_a_broken_file_is_made_again_and_replaced(files, content):
    store = files()
    _get(store)
    store.path("outlines").write_bytes(content)
    value, calls = _get(files())
    assert calls == [1] and value["n"] == 3
    assert json.loads(store.path("outlines").read_bytes())["value"] == value


def test_a_file_that_does_not_decode_is_made_again(files):
    store = files()
    store.get("outlines", "fr", lambda: [1, 2], lambda v: v, lambda v: v)
    made = []

    def decode(value):
        dep, reg = value  # the shape of another format
        raise ValueError("not this format")

    got = store.get("outlines", "fr", lambda: made.append(1) or (1, 2), list, decode)
    assert made == [1] and got == (1, 2)


def test_nothing_is_kept_where_the_directory_cannot_be_written(files, tmp_path):
    blocker = tmp_path / "kept"
    blocker.write_text("a file where the directory should be")
    value, calls = _get(files())
    assert calls == [1] and value["n"] == 3
    _, calls = _get(files())
    assert calls == [1]  # (made again each time, never an error)


def test_a_missing_layer_is_an_error_of_the_store_not_a_crash_later(files):
    (files.dir / "b.parquet").unlink()
    with pytest.raises(OSError):
        files()


def test_commune_texts_read_back_are_the_texts_made(real_communes):
    names = {"dep": {"59": "Nord", "62": "Pas-de-Calais"}, "reg": {"32": "Hauts-de-France"}}
    communes = real_communes[real_communes["dep"].isin(["59", "62"])]
    texts = commune_texts(communes, names, "fr")
    back = prebuilt.decode_texts(json.loads(json.dumps(prebuilt.encode_texts(texts))))
    assert back.strings == texts.strings and back.keys == texts.keys
    assert back.codes.dtype == texts.codes.dtype and np.array_equal(back.codes, texts.codes)
    assert back.ids.equals(texts.ids)
    # the same payload columns for any rows, e.g. Roubaix and Lille
    from geo.mapview.payload import StringTable

    ids = pd.Series(["59512", "59350"])
    assert back.columns(back.rows_of(ids), StringTable()) == texts.columns(texts.rows_of(ids), StringTable())
    assert (back.inline == texts.inline).all()


def test_the_background_reads_its_outlines_and_texts_from_the_store(tmp_path, monkeypatch):
    store = Store(tmp_path)
    first = bg.Background.load(store)
    outlines, texts = first.outlines(), first.commune_texts(first.names(), "fr")

    def not_again(*args, **kwargs):
        raise AssertionError("made again instead of read")

    monkeypatch.setattr(bg, "outline_shapes", not_again)
    monkeypatch.setattr(bg, "commune_texts", not_again)
    second = bg.Background.load(Store(tmp_path))
    assert second.outlines() == outlines
    read = second.commune_texts(second.names(), "fr")
    assert read.strings == texts.strings and np.array_equal(read.codes, texts.codes)
    assert read.ids.equals(texts.ids)
    with pytest.raises(AssertionError, match="made again"):  # another language is not kept yet
        second.commune_texts(second.names(), "en")


def test_the_set_up_makes_what_is_missing_then_returns_at_once(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    code = (
        "import sys, geo.prebuilt as p; from pathlib import Path; p.DIRECTORY = Path(sys.argv[1]); "
        "rc = p.main([]); print(rc, 'geo.mapview' in sys.modules)"
    )

    def run() -> str:
        done = subprocess.run(
            [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=180, cwd=ROOT, env=env
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    assert run() == "0 True"  # made: the layers were read
    kept = sorted(p.name.rsplit("-", 1)[0] for p in tmp_path.iterdir())
    assert kept == ["commune-texts-en", "commune-texts-fr", "outlines"]
    assert run() == "0 False"  # all there: nothing of the map imported
