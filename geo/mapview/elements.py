"""The folium elements of the map: one generic "call the runtime" element, and the runtime
itself (``static/runtime.js``, ``decode.js`` and ``runtime.css``, linked as app-served
files like Leaflet; inlined by ``geo.assets.standalone_html`` in an exported page)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import folium
import folium.elements
from folium.template import Template

from geo import assets
from geo.mapview.payload import digest, to_json

STATIC = Path(__file__).parent / "static"
# In load order: the pure decoding functions first, the runtime that uses them next.
RUNTIME_JS = ("decode.js", "runtime.js")
RUNTIME_CSS = ("runtime.css",)


class _Verbatim(folium.elements.Element):
    """Already-rendered text, put in the page as is.

    branca's ``MacroElement.render`` wraps each macro's output in ``Element(text)``, which
    compiles that text as a new jinja template: data like ``{{ 7*7 }}`` would then be
    evaluated on the server (and a large payload costs seconds to compile).
    """

    _template = Template("{{ this.text }}")

    def __init__(self, text: str):
        super().__init__()
        self.text = text


class _RenderOnce:
    """Render an element's header/html/script macros once, never as templates again."""

    def render(self, **kwargs):
        figure = self.get_root()
        for name, url in getattr(self, "default_js", []):
            figure.header.add_child(folium.elements.JavascriptLink(url), name=name)
        for name, url in getattr(self, "default_css", []):
            figure.header.add_child(folium.elements.CssLink(url), name=name)
        module = self._template.module
        for part in ("header", "html", "script"):
            macro = getattr(module, part, None)
            if macro is not None:
                getattr(figure, part).add_child(_Verbatim(macro(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class RuntimeCall(_RenderOnce, folium.elements.JSCSSMixin):
    """``window.ReindusMap.<function>(map[, groups][, data][, *args])`` in the map script.

    ``groups``: the feature group(s) the call fills (``"parent"``: the element's parent).
    ``data``: JSON text, or a function giving it at the first render; it travels as inert
    JSON in the page body (``<script type="application/json">``), not inside the map
    script that streamlit_folium reprocesses and hashes, and its id is its digest, so
    other data also gives another script. ``args``: values, serialized at the first render.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}{{ this.header_html }}{% endmacro %}
        {% macro html(this, kwargs) %}{% if this.data_json %}<script type="application/json" id="{{ this.data_id }}">{{ this.data_json }}</script>{% endif %}{% endmacro %}
        {% macro script(this, kwargs) %}{{ this.script_prefix }}
            window.ReindusMap.{{ this.function }}({{ this.arguments() }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        function: str,
        *,
        groups: list[folium.FeatureGroup] | str | None = None,
        data: str | Callable[[], str] | None = None,
        args: tuple = (),
        default_js: list[tuple[str, str]] | None = None,
    ):
        super().__init__()
        self._name = f"Reindus_{function}"
        self.function = function
        self.groups = groups
        self._data = data
        self.args = args
        self.default_js = default_js or []
        self.default_css: list[tuple[str, str]] = []
        self.header_html = self.script_prefix = ""
        self._arguments: str | None = None

    @property
    def data_json(self) -> str | None:
        if callable(self._data):
            self._data = self._data()  # at the first render: every layer has added its texts
        return self._data

    @property
    def data_id(self) -> str:
        return "rc-data-" + digest(self.data_json or "")

    def arguments(self) -> str:
        if self._arguments is None:  # once: streamlit_folium renders each element several times
            parts = [_map_of(self).get_name()]
            if self.groups == "parent":
                parts.append(self._parent.get_name())
            elif self.groups is not None:
                parts.append("[" + ", ".join(g.get_name() for g in self.groups) + "]")
            if self.data_json is not None:
                parts.append(f'window.ReindusMap.data("{self.data_id}")')
            parts += [to_json(a) for a in self.args]
            self._arguments = ", ".join(parts)
        return self._arguments


class Runtime(RuntimeCall):
    """The runtime's files (linked, app-served) and ``ReindusMap.init(map, config)``."""

    def __init__(self, config: dict):
        super().__init__("init", args=(config,))
        self.config = config
        try:
            self.default_js = [(f"reindus_{Path(f).stem}", assets.publish(STATIC / f)) for f in RUNTIME_JS]
            self.default_css = [
                (f"reindus_{Path(f).stem}_css", assets.publish(STATIC / f)) for f in RUNTIME_CSS
            ]
        except OSError as exc:  # e.g. a read-only app directory: the runtime goes in the map
            warnings.warn(f"geo.mapview: runtime not served from {assets.RUNTIME_DIR}: {exc}", stacklevel=3)
            css = "".join((STATIC / f).read_text("utf-8") for f in RUNTIME_CSS)
            self.header_html = "<style>" + css.replace("</", "<\\/") + "</style>"
            self.script_prefix = "".join((STATIC / f).read_text("utf-8") for f in RUNTIME_JS)


def _map_of(element) -> folium.Map:
    while element is not None and not isinstance(element, folium.Map):
        element = element._parent
    if element is None:
        raise ValueError("geo.mapview: layer is not inside a folium.Map")
    return element
