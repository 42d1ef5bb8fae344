"""Tier 4: the sites table in the page: no "None", unknown figures "n.c.", most jobs first."""

from streamlit.testing.v1 import AppTest

from geo.paths import ROOT

APP = str(ROOT / "app.py")


def test_the_table_read_none_where_a_figure_is_unknown():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["q"] = "strasbourg"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    (table,) = at.dataframe
    frame = table.value
    assert len(frame) == 2
    assert not frame.astype(str).isin(["None", "nan", "<NA>"]).any().any()
    assert set(frame["Emplois"]) == {"n.c."} and set(frame["Investissement"]) == {"n.c."}


def test_the_table_lists_the_most_jobs_first():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    jobs = list(at.dataframe[0].value["Emplois"])
    known = [int(j.replace("\u202f", "")) for j in jobs if j != "n.c."]
    assert known == sorted(known, reverse=True) and known[0] == 700
    assert jobs[len(known) :] == ["n.c."] * (len(jobs) - len(known))
