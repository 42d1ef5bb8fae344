"""Where the package's data lives: paths come from the package, never the working directory."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
COMMUNES_DIR = DATA_DIR / "communes"
SITES_PATH = DATA_DIR / "sites.geojson"
STATIC_DIR = ROOT / "static"
