"""What the map derives from the commune layers once per process — the département and région
outlines, the communes' card texts — kept on disk, so that a new process reads it (10 ms)
instead of making it again (0.2 s of the first run after a start, issue 14's cold start).

:class:`Store` keeps one JSON file per thing made (``KIND-KEY.json`` in
``data/communes/.prebuilt/``). ``KEY`` stands for everything the thing comes from: the
layers' files as they are now (size and modification time), the source of the code that
makes it and the format; anything else it depends on (a language, the names it was made
with) is written in the file and checked when read. A file that is missing, unreadable or
made from something else is made again and replaced (atomically); a directory that cannot
be written to only means nothing is kept. ``geo.mapview.background.Background`` reads and
fills it; the set-up fills it beforehand (``python -m geo.prebuilt``, cheap when every file
is there), so that even the first start reads it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import sys
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

import orjson

from geo import atomic
from geo.paths import COMMUNES_DIR, ROOT

FORMAT = 1
DIRECTORY = COMMUNES_DIR / ".prebuilt"
# The layers the things kept are made from, and the code that makes them (any change: remade).
SOURCES = tuple(
    COMMUNES_DIR / name for name in ("communes.parquet", "departements.parquet", "regions.parquet")
)
CODE = tuple(
    ROOT / "geo" / name
    for name in ("prebuilt.py", "encode.py", "i18n.py", "mapview/background.py", "mapview/cards.py")
)
# What the set-up makes: the outlines and the communes' texts in each language of the page.
LANGS = ("fr", "en")

T = TypeVar("T")


def digest(value: Any) -> str:
    """A short digest of a JSON-able value (what a kept thing was made with)."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


class Store:
    """Things made from ``sources`` by ``code``, kept in ``directory`` (see the module)."""

    def __init__(
        self,
        directory: Path | None = None,
        sources: Iterable[Path] | None = None,
        code: Iterable[Path] | None = None,
    ):
        self.directory = Path(directory or DIRECTORY)
        sources, code = SOURCES if sources is None else sources, CODE if code is None else code
        # (shapely's: GEOS simplifies the outlines)
        h = hashlib.sha256(f"format {FORMAT}, shapely {metadata.version('shapely')}\n".encode())
        for path in sources:
            stat = Path(path).stat()
            h.update(f"{Path(path).name} {stat.st_size} {stat.st_mtime_ns}\n".encode())
        for path in code:
            h.update(Path(path).read_bytes())
        self.key = h.hexdigest()[:16]

    def path(self, kind: str) -> Path:
        return self.directory / f"{kind}-{self.key}.json"

    def get(
        self,
        kind: str,
        made_with: Any,
        make: Callable[[], T],
        encode: Callable[[T], Any],
        decode: Callable[[Any], T],
    ) -> T:
        """The ``kind`` kept for ``made_with`` (JSON-able), else ``make()``, then kept."""
        path, want = self.path(kind), digest(made_with)
        try:
            kept = orjson.loads(path.read_bytes())
            if kept["made_with"] == want:
                return decode(kept["value"])
        except (OSError, ValueError, KeyError, TypeError, IndexError):  # missing, unreadable, another shape
            pass
        value = make()
        self._keep(kind, path, {"made_with": want, "value": encode(value)})
        return value

    def has(self, kind: str) -> bool:
        return self.path(kind).is_file()

    def _keep(self, kind: str, path: Path, record: dict) -> None:
        with contextlib.suppress(OSError):  # (a read-only checkout: nothing kept)
            self.directory.mkdir(parents=True, exist_ok=True)
            atomic.write_bytes(path, orjson.dumps(record))
            for old in self.directory.glob(f"{kind}-*.json"):  # made from what is no longer there
                if old != path:
                    old.unlink(missing_ok=True)


# -- how the kept things travel as JSON ---------------------------------------------------------


def encode_outlines(outlines: tuple) -> list:
    return [None if rings is None else list(rings) for rings in outlines]


def decode_outlines(value: list) -> tuple:
    dep, reg = value
    return (dep, reg)


def encode_texts(texts) -> dict:
    """A :class:`geo.mapview.cards.CardTexts` as JSON: its codes as little-endian int32 bytes."""
    import numpy as np

    return {
        "strings": list(texts.strings),
        "keys": list(texts.keys),
        "ids": [str(i) for i in texts.ids],
        "codes": base64.b64encode(np.ascontiguousarray(texts.codes, dtype="<i4").tobytes()).decode("ascii"),
    }


def decode_texts(value: dict):
    import numpy as np
    import pandas as pd

    from geo.mapview.cards import CardTexts

    keys, ids = list(value["keys"]), pd.Index(value["ids"], dtype=object)
    codes = np.frombuffer(base64.b64decode(value["codes"]), dtype="<i4").astype(np.int32)
    return CardTexts(list(value["strings"]), keys, codes.reshape(len(ids), len(keys)), ids)


# -- the set-up ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Make what is not kept yet (``scripts/setup.sh``); quick when everything is."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        store = Store()
    except OSError as exc:
        print(f"prebuilt: the commune layers cannot be read ({exc}); nothing made", file=sys.stderr)
        return 1
    kinds = ["outlines", *(f"commune-texts-{lang}" for lang in LANGS)]
    if all(store.has(kind) for kind in kinds) and "--force" not in argv:
        return 0
    from geo.mapview.background import Background
    from geo.problems import DataError

    try:
        background = Background.load(store)
    except DataError as error:  # (the app says the same, with every problem, when it starts)
        print(f"prebuilt: nothing made, the commune layers are not usable:\n{error}", file=sys.stderr)
        return 1
    names = background.names()
    background.outlines()
    for lang in LANGS:
        background.commune_texts(names, lang)
    made = [kind for kind in kinds if store.has(kind)]
    print(f"prebuilt: {', '.join(made)} kept in {store.directory}")
    return 0 if len(made) == len(kinds) else 1


if __name__ == "__main__":
    sys.exit(main())
