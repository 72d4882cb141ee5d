"""Geography: the West Midlands reference data and H3 cells."""

import math

import h3
import pytest

from waymark.core.geography import H3_RESOLUTIONS, h3_cell, h3_cells_for, h3_parent, validate_latlng
from waymark.core.models import CommunitySafetyPartnership, LocalAuthority, PoliceForceArea

BIRMINGHAM_CITY_CENTRE = (52.4796, -1.9026)

WEST_MIDLANDS_DISTRICTS = {
    "E08000025": "Birmingham",
    "E08000026": "Coventry",
    "E08000027": "Dudley",
    "E08000028": "Sandwell",
    "E08000029": "Solihull",
    "E08000030": "Walsall",
    "E08000031": "Wolverhampton",
}


@pytest.mark.django_db
def test_the_west_midlands_force_area_and_its_seven_districts_are_loaded():
    area = PoliceForceArea.objects.get(code="E23000014")
    assert area.name == "West Midlands"
    loaded = dict(area.local_authorities.values_list("code", "name"))
    assert loaded == WEST_MIDLANDS_DISTRICTS


@pytest.mark.django_db
def test_each_district_has_one_community_safety_partnership():
    area = PoliceForceArea.objects.get(code="E23000014")
    partnerships = CommunitySafetyPartnership.objects.filter(police_force_area=area)
    assert partnerships.count() == 7
    for district in LocalAuthority.objects.filter(police_force_area=area):
        assert district.community_safety_partnerships.count() == 1
    birmingham = LocalAuthority.objects.get(code="E08000025").community_safety_partnerships.get()
    assert birmingham.name == "Birmingham Community Safety Partnership"


@pytest.mark.django_db
def test_loading_the_fixture_again_changes_nothing():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("waymark.core.migrations.0002_load_west_midlands_geography")
    before = (
        list(PoliceForceArea.objects.values_list("pk", "code", "name")),
        list(LocalAuthority.objects.values_list("pk", "code", "name", "police_force_area")),
        list(CommunitySafetyPartnership.objects.values_list("pk", "code", "name")),
    )
    migration.load_geography(apps, None)
    after = (
        list(PoliceForceArea.objects.values_list("pk", "code", "name")),
        list(LocalAuthority.objects.values_list("pk", "code", "name", "police_force_area")),
        list(CommunitySafetyPartnership.objects.values_list("pk", "code", "name")),
    )
    assert before == after


def test_h3_cells_for_birmingham_city_centre():
    lat, lng = BIRMINGHAM_CITY_CENTRE
    cells = h3_cells_for(lat, lng)
    assert sorted(cells) == list(H3_RESOLUTIONS) == [7, 8, 9, 10]
    assert cells[8] == h3.latlng_to_cell(lat, lng, 8)
    for res, cell in cells.items():
        assert h3.get_resolution(cell) == res
        assert cell == h3.latlng_to_cell(lat, lng, res)
    assert h3_cell(lat, lng, 9) == cells[9]


def test_h3_parent():
    lat, lng = BIRMINGHAM_CITY_CENTRE
    fine = h3.latlng_to_cell(lat, lng, 10)
    assert h3_parent(fine, 7) == h3.cell_to_parent(fine, 7)
    assert h3_parent(fine, 10) == fine
    with pytest.raises(ValueError, match="finer"):
        h3_parent(h3.latlng_to_cell(lat, lng, 7), 8)
    with pytest.raises(ValueError, match="not a valid H3 cell"):
        h3_parent("not-a-cell", 7)
    with pytest.raises(ValueError, match="resolution"):
        h3_parent(fine, 16)


@pytest.mark.parametrize(
    ("lat", "lng", "message"),
    [
        (91, 0, "latitude must be between -90 and 90"),
        (-90.5, 0, "latitude must be between -90 and 90"),
        (0, 180.1, "longitude must be between -180 and 180"),
        (0, -181, "longitude must be between -180 and 180"),
        (math.nan, 0, "latitude must be a finite number"),
        (0, math.inf, "longitude must be a finite number"),
        ("52.4", -1.9, "latitude must be a number"),
        (True, -1.9, "latitude must be a number"),
        (None, -1.9, "latitude must be a number"),
    ],
)
def test_bad_coordinates_are_rejected_with_a_clear_message(lat, lng, message):
    with pytest.raises(ValueError, match=message):
        h3_cells_for(lat, lng)


def test_edges_of_the_valid_range_are_accepted():
    assert validate_latlng(90, -180) == (90.0, -180.0)
    assert len(h3_cells_for(-90.0, 180.0)) == 4
