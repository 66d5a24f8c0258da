"""Region identifiers as people write them, and months as spreadsheets write them."""

from __future__ import annotations

import pandas as pd
import pytest

from kommiljard.analysis.explain import explain
from kommiljard.errors import InputError
from kommiljard.inputs.panel import normalise_month, validate_panel
from kommiljard.inputs.regions import normalise_code, region_label, suggest_region, unknown_region_message


@pytest.mark.parametrize(
    "written",
    [
        "06",
        "6",
        6,
        "6.0",
        "Jönköping",
        "jönköping",
        "JONKOPING",
        "Jönköpings län",
        "Region Jönköpings län",
        "region  jönköpings-län",
        "06 Jönköping",
        "06 - Jönköpings län",
    ],
)
def test_every_way_of_writing_jonkoping_means_06(written):
    assert normalise_code(written) == "06"


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Västra Götalandsregionen", "14"),
        ("Stockholms läns landsting", "01"),
        ("Region Stockholm", "01"),
        ("Region Sörmland", "04"),
        ("Södermanlands län", "04"),
        ("Dalarnas län", "20"),
        ("Kalmar län", "08"),
        ("Region Örebro län", "18"),
        ("Region Jämtland Härjedalen", "23"),
        ("Jämtlands län", "23"),
        ("Skåne", "12"),
        ("Region Gotland", "09"),
    ],
)
def test_official_names_of_the_regions(written, code):
    assert normalise_code(written) == code


def test_unknown_names_are_returned_as_text_with_a_suggestion():
    assert normalise_code("Jönkobing") == "Jönkobing"
    assert normalise_code("07 Jönköping") == "07 Jönköping"  # code and name disagree
    assert suggest_region("Jönkobing") == "06 Jönköping"
    assert suggest_region("Stokholm") == "01 Stockholm"
    assert suggest_region("Gothenburg") == "14 Västra Götaland (Gothenburg is its county seat)"
    assert suggest_region("Qwxyz") is None
    assert "did you mean 06 Jönköping?" in unknown_region_message("Jönkobing")
    assert region_label("23") == "23 Jämtland Härjedalen"


@pytest.mark.parametrize(
    ("written", "month"),
    [
        ("2019-09", "2019-09"),
        ("2019-09-01", "2019-09"),
        ("sep 2019", "2019-09"),
        ("September 2019", "2019-09"),
        ("sept. 2019", "2019-09"),
        ("okt 2019", "2019-10"),
        ("2019 okt", "2019-10"),
        ("oktober 2019", "2019-10"),
        ("Oct 2019", "2019-10"),
        ("maj 2019", "2019-05"),
        (pd.Timestamp("2019-11-01"), "2019-11"),
        ("2019-09-02", None),
        ("sep 19", None),
        ("marzipan 2019", None),
        ("2019", None),
    ],
)
def test_months_as_spreadsheets_write_them(written, month):
    assert normalise_month(written) == month


def test_panel_with_region_names_validates_to_codes(sample_panel_path):
    frame = pd.read_parquet(sample_panel_path)
    names = {"06": "Region Jönköpings län", "14": "Västra Götalandsregionen", "01": "stockholm"}
    frame["region"] = frame["region"].map(lambda c: names.get(c, c))
    assert set(validate_panel(frame)["region"]) >= {"01", "06", "14"}


def test_panel_with_a_misspelt_region_suggests_the_closest(sample_panel_path):
    frame = pd.read_parquet(sample_panel_path)
    frame.loc[frame["region"] == "06", "region"] = "Jönkobing"
    with pytest.raises(InputError, match="did you mean 06 Jönköping"):
        validate_panel(frame)


def test_explain_accepts_names_and_suggests_for_typos(sample_panel_path):
    e = explain(sample_panel_path, "Region Jönköpings län", "okt 2019", "operation")
    assert (e.region, e.month) == ("06", "2019-10")
    with pytest.raises(InputError, match="did you mean 06 Jönköping"):
        explain(sample_panel_path, "Jönkobing", "2019-10", "operation")


@pytest.mark.parametrize(
    ("written", "region"),
    [
        ("Jönköpng", "06 Jönköping"),
        ("Göteborg", "14 Västra Götaland (Göteborg is its county seat)"),  # a place, not Gävleborg spelt alike
        ("Goteborg", "14 Västra Götaland (Göteborg is its county seat)"),
        ("Gävleborg län", "21 Gävleborg"),
        ("Malmöhus län", "12 Skåne (Malmöhus län is a former county merged into it in 1997)"),
        ("Lund", "12 Skåne (Lund is a town in it)"),
        ("Kopparbergs län", "20 Dalarna (Kopparbergs län is its name until 1997)"),
        ("Umeå", "24 Västerbotten (Umeå is its county seat)"),
    ],
)
def test_suggestions_know_the_places_in_each_region(written, region):
    assert suggest_region(written) == region


def test_a_place_is_never_read_as_a_region():
    assert normalise_code("Göteborg") == "Göteborg"
    assert normalise_code("Malmö") == "Malmö"
