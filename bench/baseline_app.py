"""The naive Streamlit app of the baseline: the whole folium map rebuilt on every run.

``streamlit run bench/baseline_app.py -- --sites FILE``. The sites are read like the app
reads them (cached); the map is :func:`bench.baseline.naive_map` — every commune at full
detail as one GeoJson, one Marker with Tooltip and Popup per site — passed to
``st_folium``. ``BENCH_BASELINE_DEPS=01,2A`` limits the communes drawn (quick mode).
Ends with the same ``#app-ready[data-sites]`` marker as the app.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st
from streamlit_folium import st_folium

from bench.baseline import full_detail_communes, naive_map, subset
from geo.join import join_sites_to_communes
from geo.load import load_communes, load_departements, load_regions, read_sites
from geo.paths import SITES_PATH


@st.cache_resource(show_spinner=False)
def load(sites_path: str, deps: str):
    communes = load_communes()
    sites = join_sites_to_communes(
        read_sites(Path(sites_path), communes=communes), communes, load_departements(), load_regions()
    )
    full, source = full_detail_communes()
    return sites, subset(full, deps=deps.split(",")) if deps else full, source


parser = argparse.ArgumentParser(add_help=False)
parser.add_argument("--sites", type=Path, default=SITES_PATH)
args, _ = parser.parse_known_args(sys.argv[1:])
st.set_page_config(page_title="Baseline", layout="wide")
sites, communes, source = load(str(args.sites), os.environ.get("BENCH_BASELINE_DEPS", ""))
st.caption(f"Naive baseline: {len(communes)} communes ({source}), {len(sites)} markers")
st_folium(naive_map(communes, sites), key="map", height=560, use_container_width=True,
          returned_objects=["last_object_clicked"])  # fmt: skip
st.html(f'<div id="app-ready" data-sites="{len(sites)}"></div>')
