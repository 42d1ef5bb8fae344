"""geo.served: content-named files, written whole, the most recently used kept."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from geo import served
from geo.served import FileStore


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "cache", "/app/static/cache", keep=3)


def test_the_name_is_the_content_hash(store):
    name = store.publish(b'{"a":1}', "sites")
    assert name.startswith("sites-") and name.endswith(".json.gz") and len(name) == len("sites-.json.gz") + 32
    assert gzip.decompress((store.directory / name).read_bytes()) == b'{"a":1}'
    assert store.publish(b'{"a":1}', "sites") == name  # same bytes, same file
    assert store.publish(b'{"a":2}', "sites") != name
    assert store.url_of(name) == f"/app/static/cache/{name}"
    assert oct((store.directory / name).stat().st_mode & 0o777) == oct(0o644)


def test_a_failed_write_leaves_nothing(store, monkeypatch):
    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(served.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        store.publish(b"[]", "sites")
    assert list(store.directory.iterdir()) == []  # no half file, no temporary one


def test_only_the_most_recently_used_files_are_kept(store):
    names = []
    for i in range(3):
        names.append(store.publish(f"[{i}]".encode(), "sites"))
        os.utime(store.directory / names[-1], (1000 + i, 1000 + i))
    store.publish(b"[0]", "sites")  # used again: now the most recent
    newest = store.publish(b"[3]", "sites")
    assert sorted(p.name for p in store.directory.iterdir()) == sorted([names[0], names[2], newest])


@pytest.mark.parametrize("prefix", ["", "../x", "Sites", "a/b", "x" * 40])
def test_a_bad_prefix_is_refused(store, prefix):
    with pytest.raises(ValueError, match="prefix"):
        store.publish(b"[]", prefix)


def test_the_app_serves_its_files_from_static():
    assert served.APP_FILES.directory.parent.name == "static"
    assert served.APP_FILES.url == "/app/static/cache"
