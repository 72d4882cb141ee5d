"""The VAWG and RASSO dashboards: who may see them, and that pages, downloads and the map show the
figures the metrics compute (and never a crime row)."""

from __future__ import annotations

import csv
import html
import io
import json
from datetime import date, timedelta

import pytest
from django.test import override_settings
from django.urls import reverse

from waymark.accounts.models import Organisation
from waymark.accounts.roles import Role
from waymark.core.geography import h3_cell
from waymark.core.testing.factories import OrganisationFactory, make_member
from waymark.core.testing.html_tables import table_rows
from waymark.core.testing.matrix import permission_matrix
from waymark.crime import metrics
from waymark.crime.dashboards import period_choices
from waymark.crime.models import Crime, ForceExtractImport, PoliceUkCrime, PoliceUkFile
from waymark.crime.violence_context import OPEN_GOVERNMENT_LICENCE_URL

from .metric_fixtures import COVENTRY, EXTRACTED, event, make_crime, other_force, police_uk_street_file

pytestmark = pytest.mark.django_db

CRIME_DATA_VIEWERS = {"opcc_admin": 200, "opcc_analyst": 200, "force_code_lead": 200, "anonymous": 302}
BIRMINGHAM_CENTRE = (52.4797, -1.9027)


@pytest.fixture
def extract() -> list[Crime]:
    """Eight adult rapes and six DA-flagged assaults recorded in 2024/25, located in Birmingham
    city centre; two rapes charged, one with outcome 16; and two crimes outside the period."""
    crimes = []
    for n in range(8):
        crime = make_crime(
            f"R{n}",
            recorded=date(2024, 4, 10 + n),
            outcome=0,
            bases=("sexual_offence", "da_flag") if n < 2 else ("sexual_offence",),
        )
        crimes.append(crime)
    for n in range(6):
        crimes.append(
            make_crime(
                f"A{n}",
                recorded=date(2024, 5, 3),
                code="8N",
                adult_rape=False,
                bases=("da_flag",),
                domestic_abuse=True,
                local_authority=COVENTRY,
            )
        )
    make_crime("OLD", recorded=date(2023, 5, 1))
    make_crime("OLD2", recorded=date(2023, 6, 1))
    lat, lng = BIRMINGHAM_CENTRE
    Crime.objects.filter(crime_reference__startswith="R").update(
        latitude=lat, longitude=lng, h3_r7=h3_cell(lat, lng, 7), h3_r8=h3_cell(lat, lng, 8)
    )
    charged = Crime.objects.get(crime_reference="R0")
    Crime.objects.filter(pk=charged.pk).update(outcome_type_id=1, outcome_on=date(2024, 6, 1))
    event(charged, "charged", date(2024, 6, 1))
    Crime.objects.filter(crime_reference="R1").update(outcome_type_id=16, outcome_on=date(2024, 6, 2))
    return crimes


@permission_matrix(CRIME_DATA_VIEWERS, default=403)
def test_the_vawg_dashboard(client, login_as, role, expected, extract):
    """OPCC admins and analysts and force leads see the VAWG page; providers, caseworkers,
    board members and auditors are refused; anyone signed out is sent to sign in."""
    login_as(role)
    assert client.get(reverse("crime:vawg")).status_code == expected


@permission_matrix(CRIME_DATA_VIEWERS, default=403)
def test_the_rasso_dashboard(client, login_as, role, expected, extract):
    login_as(role)
    assert client.get(reverse("crime:rasso")).status_code == expected


@permission_matrix(CRIME_DATA_VIEWERS, default=403)
def test_the_dashboard_downloads_and_map(client, login_as, role, expected, extract):
    login_as(role)
    assert client.get(reverse("crime:vawg_download", args=["local_authority"])).status_code == expected
    assert client.get(reverse("crime:vawg_download", args=["context"])).status_code == expected
    assert client.get(reverse("crime:rasso_download", args=["metrics"])).status_code == expected
    assert client.get(reverse("crime:vawg_map")).status_code == expected
    assert client.get(reverse("crime:rasso_map")).status_code == expected
    assert client.get(reverse("crime:rasso_download", args=["map"])).status_code == expected


@pytest.mark.parametrize("role", [Role.OPCC_ANALYST, Role.OPCC_ADMIN, Role.FORCE_CODE_LEAD])
def test_another_forces_staff_see_none_of_this_forces_crime_data(client, world, extract, role):
    """The force shares its extract with its own OPCC. Staff of another force area's OPCC or
    force, in the same roles, see none of it: not on the pages, in the downloads, on the maps
    or through the API, even asking for this force's area by name; nor its file's extraction
    date, nor that it is synthetic."""
    ForceExtractImport.objects.create(
        police_force_area=extract[0].police_force_area,
        kind=ForceExtractImport.Kind.CRIMES,
        file_name="synthetic.csv",
        sha256="0" * 64,
        extracted_on=EXTRACTED,
        synthetic=True,
    )
    elsewhere = OrganisationFactory.create(
        name="Other OPCC", type=Organisation.Type.OPCC, police_force_area=other_force()
    )
    client.force_login(make_member(role=role, organisation=elsewhere))
    for page in ("crime:vawg", "crime:rasso"):
        assert (
            "No force extract has been loaded for your force area yet"
            in client.get(reverse(page)).content.decode()
        )
    for name, table in (("crime:vawg_download", "local_authority"), ("crime:rasso_download", "metrics")):
        assert client.get(reverse(name, args=[table]), {"period": "fy:2024/25"}).status_code == 404
    for period in (
        {"financial_year": "2024/25"},
        {"financial_year": "2024/25", "police_force_area": "E23000014"},
    ):
        volumes = client.get("/api/v1/crime/vawg-volumes", period).json()
        assert (volumes["total"], volumes["extracted_on"], volumes["synthetic"]) == (0, None, False)
        rasso = client.get("/api/v1/crime/rasso-metrics", period).json()
        assert next(m for m in rasso["metrics"] if m["id"] == "M1")["value"] == 0
        assert (rasso["extracted_on"], rasso["synthetic"]) == (None, False)
        vawg_map = client.get("/api/v1/crime/vawg-map", period).json()
        assert (vawg_map["cells"], vawg_map["extracted_on"], vawg_map["synthetic"]) == ([], None, False)
    # What the West Midlands' own analyst sees of the same requests.
    client.force_login(world.member("opcc_analyst"))
    volumes = client.get("/api/v1/crime/vawg-volumes", {"financial_year": "2024/25"}).json()
    assert (volumes["total"], volumes["extracted_on"], volumes["synthetic"]) == (
        14,
        EXTRACTED.isoformat(),
        True,
    )
    assert client.get("/api/v1/crime/vawg-map", {"financial_year": "2024/25"}).json()["cells"]
    download = client.get(reverse("crime:vawg_download", args=["local_authority"]), {"period": "fy:2024/25"})
    assert download.status_code == 200


def test_periods_offered_are_those_the_data_covers() -> None:
    choices = [value for value, _ in period_choices((date(2024, 3, 15), date(2024, 5, 2)))]
    assert choices[:2] == ["fy:2024/25", "fy:2023/24"]
    assert "q:2024/25 Q1" in choices
    assert "q:2023/24 Q4" in choices
    assert "q:2023/24 Q3" not in choices
    assert choices[-3:] == ["m:2024-05", "m:2024-04", "m:2024-03"]
    assert period_choices(None) == []


def test_vawg_page_shows_the_metrics_figures_for_the_newest_year(client, world, extract):
    """By default the newest financial year: 14 VAWG crimes (each once though two have two bases),
    8 in Birmingham and 6 in Coventry; the older two are not counted."""
    analyst = world.member("opcc_analyst")
    client.force_login(analyst)
    page = client.get(reverse("crime:vawg")).content.decode()
    assert "14 VAWG crimes recorded in 2024/25" in page
    volumes = metrics.vawg_volumes(user=analyst, filters=metrics.CrimeFilters.for_financial_year("2024/25"))
    by_area = dict(
        zip(volumes.table("local_authority").row_labels, volumes.table("local_authority").cells, strict=True)
    )
    assert by_area["Birmingham"] == (8,)
    assert by_area["Coventry"] == (6,)
    assert "R0" not in page  # no crime reference on the page
    assert "R1-V0" not in page  # nor a victim id
    assert "Violence and sexual offences (context)" in page
    # The basis table ends with every crime once, as its CSV and the API do (14, not 16).
    basis_table = page[page.index('id="vawg-basis') :]
    basis_table = basis_table[: basis_table.index("</table>")]
    assert "All VAWG crimes (each once)" in basis_table
    assert ">14<" in basis_table


def test_vawg_filters_narrow_the_figures_and_bad_values_are_explained(client, world, extract):
    client.force_login(world.member("opcc_analyst"))
    page = client.get(
        reverse("crime:vawg"), {"period": "fy:2024/25", "local_authority": COVENTRY}
    ).content.decode()
    assert "6 VAWG crimes recorded in 2024/25" in page
    assert f"Coventry ({COVENTRY})" in page  # the filter named as people know it, code beside
    page = client.get(
        reverse("crime:vawg"), {"period": "fy:2024/25", "vawg_basis": "sexual_offence", "victim_sex": "F"}
    ).content.decode()
    assert "Female (F)" in page
    assert '<dd class="govuk-summary-list__value">Sexual offence</dd>' in page  # not sexual_offence
    response = client.get(reverse("crime:vawg"), {"period": "fy:2024/25", "victim_sex": "Q"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page
    # No figures for other filters than the form shows (once the defaults were shown meanwhile).
    assert "VAWG crimes recorded in" not in page
    assert "No figures are shown until the filters are corrected" in page
    rasso = client.get(reverse("crime:rasso"), {"period": "q:1999/00 Q1"})
    assert rasso.status_code == 400
    assert "There is a problem" in rasso.content.decode()
    # Said in words, not with the page's own code for the period.
    assert "Choose a period the data covers from the list" in rasso.content.decode()
    assert "is not one of the available choices" not in rasso.content.decode()


def test_the_rasso_page_offers_only_choices_adult_rape_can_have(client, world, extract):
    """The extract's adult rapes are 19C, with the sexual offence and DA flag bases and victims
    F 25-34: the RASSO page offers no stalking basis and no other age band, and the VAWG page,
    whose crimes can have them, still does. A choice only the VAWG page has is refused on the
    RASSO page, in words."""
    client.force_login(world.member("opcc_analyst"))
    vawg = client.get(reverse("crime:vawg"), {"period": "fy:2024/25"}).content.decode()
    rasso = client.get(reverse("crime:rasso"), {"period": "fy:2024/25"}).content.decode()
    for page in (vawg, rasso):
        assert '<option value="sexual_offence">' in page
        assert '<option value="25-34">' in page
    assert '<option value="stalking_harassment">' in vawg
    assert '<option value="stalking_harassment">' not in rasso
    assert '<option value="0-15">' in vawg
    assert '<option value="0-15">' not in rasso
    refused = client.get(
        reverse("crime:rasso"), {"period": "fy:2024/25", "vawg_basis": "stalking_harassment"}
    )
    assert refused.status_code == 400
    assert "Choose a VAWG basis from the list" in refused.content.decode()


def test_a_download_is_named_for_its_filters(client, world, extract):
    client.force_login(world.member("opcc_analyst"))
    url = reverse("crime:vawg_download", args=["map"])
    everywhere = client.get(url, {"period": "fy:2024/25"})
    coventry = client.get(url, {"period": "fy:2024/25", "local_authority": COVENTRY})
    assert everywhere["Content-Disposition"] == 'attachment; filename="vawg-map-2024-25.csv"'
    assert coventry["Content-Disposition"].startswith('attachment; filename="vawg-map-2024-25-coventry')


def test_a_download_with_bad_filters_is_refused_not_answered_for_other_filters(client, world, extract):
    client.force_login(world.member("opcc_analyst"))
    for url in (
        reverse("crime:vawg_download", args=["local_authority"]),
        reverse("crime:vawg_map"),
        reverse("crime:rasso_download", args=["metrics"]),
    ):
        response = client.get(url, {"period": "fy:2024/25", "victim_sex": "Q"})
        assert response.status_code == 400, url
        assert response["Content-Type"].startswith("text/plain")
        assert response.content.decode().startswith(
            "Nothing was downloaded: the filters are not valid. Victim sex: Choose a victim sex from the "
            "list: the one asked for is not on it."
        )


def test_vawg_csv_download_has_the_same_figures_and_the_extraction_date(client, world, extract):
    client.force_login(world.member("opcc_analyst"))
    response = client.get(reverse("crime:vawg_download", args=["local_authority"]), {"period": "fy:2024/25"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    flat = [cell for row in rows for cell in row]
    assert "2024-06-30" in " ".join(flat)
    assert ["Birmingham", "8"] in [row[:2] for row in rows]
    assert client.get(reverse("crime:vawg_download", args=["nonsense"])).status_code == 404


def test_vawg_map_counts_located_crimes_in_hexagons(client, world, extract):
    """The eight located rapes fall in one resolution-7 cell; the assaults have no location."""
    client.force_login(world.member("opcc_analyst"))
    geojson = json.loads(client.get(reverse("crime:vawg_map"), {"period": "fy:2024/25"}).content)
    features = geojson["features"]
    assert len(features) == 1
    assert features[0]["properties"]["count"] == 8
    ring = features[0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1]
    assert -2.2 < ring[0][0] < -1.4
    assert 52.3 < ring[0][1] < 52.7

    # The map's download: the same cell, under the heading block every download has.
    response = client.get(reverse("crime:vawg_download", args=["map"]), {"period": "fy:2024/25"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    heading = {row[0]: row[1:] for row in rows if row}
    assert rows[0] == ["VAWG crimes by area, 2024/25"]
    assert heading["Extraction date"] == [str(EXTRACTED)]
    assert heading["Area"] == ["H3 cell", "VAWG crimes"]
    assert [row[1:] for row in rows if len(row) == 3 and row[0] != "Area"] == [
        [features[0]["properties"]["cell"], "8"]
    ]
    assert heading["Not shown"] == ["No area was left out."]


def test_a_hidden_figure_is_said_as_hidden_in_every_dashboard_table(client, world, extract):
    """Screen readers hear "[c] (hidden)", as in the charts' tables, in the RASSO metrics and
    losses tables, the VAWG victim table and the VAWG total, and no line break opens a "Counted"
    cell."""
    make_crime("MALE", recorded=date(2024, 4, 20), victims=(("M", "18-24"),))
    client.force_login(world.member("opcc_analyst"))
    query = {"period": "fy:2024/25"}
    marker = '[c]<span class="govuk-visually-hidden"> (hidden)</span>'
    rasso = client.get(reverse("crime:rasso"), query).content.decode()
    metrics_table = rasso[
        rasso.index('id="table-metrics"') : rasso.index("</table>", rasso.index('id="table-metrics"'))
    ]
    assert marker in metrics_table
    assert '<td class="govuk-table__cell"><br>' not in metrics_table
    losses = rasso[rasso.index('id="table-funnel_losses"') :]
    assert marker in losses[: losses.index("</table>")]
    vawg = client.get(reverse("crime:vawg"), query).content.decode()
    victims = vawg[vawg.index('id="table-victim"') :]
    assert marker in victims[: victims.index("</table>")]
    # Its caption ends with the period, as the charts' titles do.
    assert "VAWG crimes by victim sex and age band, 2024/25</caption>" in victims
    # A hidden total in the page's headline too: one male victim's crime in April 2024.
    april = client.get(reverse("crime:vawg"), {"period": "m:2024-04", "victim_sex": "M"}).content.decode()
    assert f'<h2 class="govuk-heading-m">{marker} VAWG crimes recorded in April 2024</h2>' in april
    assert "Where the cohort stopped, and where it stands now, 2024/25</caption>" in losses


def test_rasso_map_counts_the_adult_rapes_m1_counts(client, world, extract):
    """The eight located adult rapes fall in one cell; a located VAWG crime that is not adult
    rape, and a cancelled adult rape record in the same cell, are not counted."""
    lat, lng = BIRMINGHAM_CENTRE
    located = {"latitude": lat, "longitude": lng, "h3_r7": h3_cell(lat, lng, 7)}
    Crime.objects.filter(crime_reference="A0").update(**located)
    cancelled = make_crime("X0", recorded=date(2024, 4, 20))
    Crime.objects.filter(pk=cancelled.pk).update(record_status=Crime.RecordStatus.CANCELLED, **located)
    client.force_login(world.member("opcc_analyst"))
    query = {"period": "fy:2024/25"}
    geojson = json.loads(client.get(reverse("crime:rasso_map"), query).content)
    assert [feature["properties"]["count"] for feature in geojson["features"]] == [8]
    assert geojson["title"] == "Adult rape offences by area, 2024/25"
    vawg = json.loads(client.get(reverse("crime:vawg_map"), query).content)
    assert [feature["properties"]["count"] for feature in vawg["features"]] == [9]
    # Named for the local authority most of its crimes are in (8 in Birmingham, A0 in Coventry).
    assert vawg["features"][0]["properties"]["label"].startswith("Birmingham, around 52.")

    page = client.get(reverse("crime:rasso"), query).content.decode()
    assert 'id="rasso-map"' in page
    assert f"{reverse('crime:rasso_download', args=['map'])}?period=fy%3A2024%2F25" in page
    response = client.get(reverse("crime:rasso_download", args=["map"]), query)
    assert response["Content-Disposition"].endswith('rasso-map-2024-25.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Adult rape offences by area, 2024/25"]
    assert [row for row in rows if len(row) == 3 and row[0] != "Area"] == [
        [geojson["features"][0]["properties"]["label"], located["h3_r7"], "8"]
    ]
    assert rows[rows.index(["Area", "H3 cell", "Adult rape offences"]) + 1][0].startswith(
        "Birmingham, around"
    )


def test_rasso_map_follows_the_filters_and_hides_small_cells(client, world, extract):
    """Two of the located rapes are DA-flagged: under the threshold, so the map shows no area
    and says why; a filter no adult rape can have is refused, as the page's filters are."""
    client.force_login(world.member("opcc_analyst"))
    geojson = json.loads(
        client.get(reverse("crime:rasso_map"), {"period": "fy:2024/25", "vawg_basis": "da_flag"}).content
    )
    assert geojson["features"] == []
    assert "too small to show" in geojson["emptyNote"]
    refused = client.get(reverse("crime:rasso_map"), {"period": "fy:2024/25", "vawg_basis": "stalking"})
    assert refused.status_code == 400


def test_rasso_page_shows_every_metric_with_its_definition_and_not_yet_assigned(client, world, extract):
    client.force_login(world.member("force_code_lead"))
    page = client.get(reverse("crime:rasso"), {"period": "fy:2024/25"}).content.decode()
    assert "Force extract as at" in page
    assert "30 June 2024" in page
    result = metrics.rasso_metrics(
        user=world.member("force_code_lead"), filters=metrics.CrimeFilters.for_financial_year("2024/25")
    )
    header, *body = table_rows(page, "table-metrics")
    assert header[3] == "Not yet assigned an outcome"
    rows = {row[0].split(" ")[0]: row for row in body}
    assert list(rows) == [metric.id for metric in result.metrics]
    assert {f"M{n}" for n in range(1, 13)} | {"M13a", "M13b", "M13c"} <= set(rows)
    # Each metric's own figure, and beside every rate its own count not yet assigned an outcome.
    rates = [metric for metric in result.metrics if metric.kind == "rate" and metric.available]
    assert len(rates) >= 5
    for metric in result.metrics:
        assert rows[metric.id][1].startswith(metric.display_value), metric.id
    for metric in rates:
        assert metric.not_yet_assigned is not None, metric.id
        expected = f"{metric.not_yet_assigned:,} {metric.not_yet_assigned_basis}"
        assert rows[metric.id][3] == expected, metric.id
    response = client.get(reverse("crime:rasso_download", args=["metrics"]), {"period": "fy:2024/25"})
    text = response.content.decode("utf-8-sig")
    assert "M1" in text
    assert "M13c" in text


def test_a_timeliness_metric_says_its_value_is_the_median(client, world):
    """Six adult rapes charged 10 to 60 days after they were recorded: M5 reads as a median, with
    its percentiles in days (nearest rank: median 30, P75 50, P90 60)."""
    for n in range(6):
        make_crime(
            f"C{n}",
            recorded=date(2024, 4, 1),
            outcome=1,
            outcome_on=date(2024, 4, 1) + timedelta(days=10 * (n + 1)),
        )
    client.force_login(world.member("opcc_analyst"))
    page = client.get(reverse("crime:rasso"), {"period": "fy:2024/25"}).content.decode()
    rows = {row[0].split(" ")[0]: row for row in table_rows(page, "table-metrics")[1:]}
    assert rows["M5"][1] == "30 days (median)P75 50, P90 60 days"


def test_pages_say_so_when_no_extract_is_loaded(client, world):
    client.force_login(world.member("opcc_analyst"))
    for name in ("crime:vawg", "crime:rasso"):
        page = client.get(reverse(name)).content.decode()
        assert "No force extract has been loaded for your force area yet" in page


def test_police_uk_counts_are_context_only(client, world, extract):
    """police.uk's violence category is shown as context beside, never added to, VAWG figures."""
    file = PoliceUkFile.objects.create(
        kind="street", force_slug="west-midlands", month=date(2024, 4, 1), file_name="f.csv", sha256="0" * 64
    )
    PoliceUkCrime.objects.bulk_create(
        PoliceUkCrime(
            file=file,
            line=n + 2,
            month=date(2024, 4, 1),
            reported_by="West Midlands Police",
            falls_within="West Midlands Police",
            crime_id=f"{n:064x}",
            crime_type_id="Violence and sexual offences",
        )
        for n in range(30)
    )
    client.force_login(world.member("opcc_analyst"))
    page = client.get(reverse("crime:vawg"), {"period": "fy:2024/25"}).content.decode()
    assert "police.uk lists 30 crimes" in page
    assert "14 VAWG crimes recorded in 2024/25" in page


def violence_context_text(client, **query: str) -> str:
    """The VAWG page's police.uk context section, as text (HTML's character references read)."""
    page = html.unescape(
        client.get(reverse("crime:vawg"), {"period": "fy:2024/25", **query}).content.decode()
    )
    section = page[page.index("Violence and sexual offences (context)</h2>") :]
    return section[: section.index("</main>")] if "</main>" in section else section


def test_police_uk_context_counts_only_the_page_force_area(client, world, extract):
    """Another force's police.uk file for the same month is not counted, nor named as a source."""
    police_uk_street_file("west-midlands", date(2024, 4, 1), violence=40)
    police_uk_street_file("city-of-london", date(2024, 4, 1), violence=7)
    client.force_login(world.member("opcc_analyst"))
    text = violence_context_text(client)
    assert "police.uk lists 40 crimes of its category ‘Violence and sexual offences’ in the West" in text
    assert "47" not in text
    assert "City of London" not in text


def test_police_uk_context_says_which_months_it_covers(client, world, extract):
    """A financial year with some months' files loaded says which, from the files loaded."""
    police_uk_street_file("west-midlands", date(2024, 4, 1), violence=10)
    client.force_login(world.member("opcc_analyst"))
    assert (
        "in April 2024 only: police.uk files for the other months of 2024/25 are not loaded"
        in violence_context_text(client)
    )
    police_uk_street_file("west-midlands", date(2024, 5, 1), violence=10)
    police_uk_street_file("west-midlands", date(2024, 7, 1))  # loaded, with no violence in it
    police_uk_street_file("city-of-london", date(2024, 6, 1), violence=10)  # another force's month
    text = violence_context_text(client)
    assert "lists 20 crimes" in text
    assert (
        "in April 2024 to May 2024 and July 2024 only: police.uk files for the other months of 2024/25"
        " are not loaded" in text
    )
    month = client.get(reverse("crime:vawg"), {"period": "m:2024-04"}).content.decode()
    assert "force area, in April 2024. The category" in month
    nothing = client.get(reverse("crime:vawg"), {"period": "m:2024-03"}).content.decode()
    assert "No police.uk data for the West Midlands force area has been loaded for this period." in nothing
    # Who may import is offered the upload; who may not is not.
    upload = f'<a class="govuk-link" href="{reverse("crime:upload_police_uk")}">Upload police.uk files</a>'
    assert upload in nothing
    client.force_login(world.member("force_code_lead"))
    assert upload not in client.get(reverse("crime:vawg"), {"period": "m:2024-03"}).content.decode()


def test_police_uk_context_carries_the_open_government_licence_attribution(client, world, extract):
    police_uk_street_file("west-midlands", date(2024, 4, 1), violence=10)
    client.force_login(world.member("opcc_analyst"))
    text = violence_context_text(client)
    assert "Contains public sector information licensed under the" in text
    assert f'href="{OPEN_GOVERNMENT_LICENCE_URL}"' in text
    assert ">Open Government Licence v3.0</a>" in text
    assert "Source: data.police.uk (West Midlands Police)." in text


def test_police_uk_context_says_which_filters_it_cannot_follow(client, world, extract):
    """police.uk has no victims, offence codes or VAWG bases: the figure says it ignores them."""
    police_uk_street_file("west-midlands", date(2024, 4, 1), violence=10)
    client.force_login(world.member("opcc_analyst"))
    assert "does not apply" not in violence_context_text(client)
    assert "do not apply" not in violence_context_text(client)
    text = violence_context_text(client, offence_group="Sexual offences", victim_sex="F")
    assert "lists 10 crimes" in text
    assert (
        "police.uk has no offence codes, VAWG bases or victim details, so the filters Offence group and "
        "Victim sex do not apply to this figure: it counts every crime in police.uk's category." in text
    )
    assert "the filter VAWG basis does not apply" in violence_context_text(client, vawg_basis="da_flag")
    # The download is named for what the figure counts, not for the filters it cannot follow.
    response = client.get(
        reverse("crime:vawg_download", args=["context"]),
        {"period": "fy:2024/25", "offence_group": "Sexual offences", "victim_sex": "F"},
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="vawg-context-2024-25-the-west-midlands-force-area.csv"'
    )


def test_police_uk_context_follows_the_local_authority_by_lsoa_name(client, world, extract):
    """Crimes in LSOAs named for the district are counted; those elsewhere or with no location
    are not. A district no LSOA is named for cannot be picked out: the figure says it is force-wide."""
    police_uk_street_file(
        "west-midlands",
        date(2024, 4, 1),
        violence=40,
        other=5,
        # 10 Coventry, 10 Birmingham, 10 Coventry-like names of other places, 10 no location.
        lsoa_names=("Coventry 001A", "Birmingham 002B", "Coventry Fields 001A", ""),
    )
    client.force_login(world.member("opcc_analyst"))
    text = violence_context_text(client, local_authority=COVENTRY)
    assert "police.uk lists 10 crimes of its category ‘Violence and sexual offences’ in Coventry," in text
    assert "Crimes with no location are in no local authority and are not counted." in text
    dudley = violence_context_text(client, local_authority="E08000027")
    assert "lists 40 crimes" in dudley
    assert "cannot be narrowed to Dudley: it is for the whole West Midlands force area." in dudley


@pytest.fixture
def forty_six_violent_crimes(world) -> None:
    """43 in April 2024 with no location, and 3 in May: 2 in Coventry LSOAs, 1 in Birmingham."""
    police_uk_street_file("west-midlands", date(2024, 4, 1), violence=43)
    police_uk_street_file(
        "west-midlands", date(2024, 5, 1), violence=3, lsoa_names=("Coventry 001A", "Birmingham 001A")
    )


@override_settings(CRIME_FIGURES_ROUNDING_BASE=5)
def test_police_uk_context_is_rounded_and_small_counts_hidden(
    client, world, extract, forty_six_violent_crimes
):
    client.force_login(world.member("opcc_analyst"))
    assert "police.uk lists 45 crimes" in violence_context_text(client)
    # Two of the three May crimes are in Coventry: under the threshold, hidden as every figure is.
    assert "police.uk lists [c] crimes" in violence_context_text(client, local_authority=COVENTRY)


@override_settings(WAYMARK_POLICE_FORCE_AREA="T99999999")
def test_police_uk_context_needs_the_force_areas_police_uk_id(client, world, extract):
    other_force()
    police_uk_street_file("west-midlands", date(2024, 4, 1), violence=10)
    client.force_login(world.member("opcc_analyst"))
    text = violence_context_text(client)
    assert "Waymark does not know police.uk's id for its force" in text
    assert "lists 10" not in text


def context_csv(client, **query: str) -> dict[str, list[list[str]]]:
    """The police.uk context download, as {first cell: [the rest of each row with it]}."""
    response = client.get(reverse("crime:vawg_download", args=["context"]), {"period": "fy:2024/25", **query})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Violence and sexual offences (context)"]
    found: dict[str, list[list[str]]] = {}
    for row in rows[1:]:
        found.setdefault(row[0], []).append(row[1:])
    return found


def test_police_uk_context_download_has_the_pages_figure_notes_and_attribution(client, world, extract):
    """The download carries what the page says: the figure, the filters it cannot follow, how
    small counts are treated, and the licence; and the page links to it with its filters."""
    police_uk_street_file("west-midlands", date(2024, 4, 1), violence=40, lsoa_names=("Coventry 001A", ""))
    client.force_login(world.member("opcc_analyst"))
    page = html.unescape(
        client.get(reverse("crime:vawg"), {"period": "fy:2024/25", "victim_sex": "F"}).content.decode()
    )
    assert f"{reverse('crime:vawg_download', args=['context'])}?period=fy%3A2024%2F25" in page
    found = context_csv(client, victim_sex="F")
    assert found["Crimes"] == [["40"]]
    assert found["Force area"] == [["West Midlands"]]
    assert found["Counted"] == [["the West Midlands force area"]]
    assert found["Months covered"] == [
        ["April 2024 only: police.uk files for the other months of 2024/25 are not loaded"]
    ]
    assert found["Victim sex"] == [["Female (F)"]]
    statement = found["In words"][0][0]
    assert statement.startswith("police.uk lists 40 crimes of its category")
    assert statement in page
    assert found["Note"] == [
        [
            "police.uk has no offence codes, VAWG bases or victim details, so the filter Victim sex does "
            "not apply to this figure: it counts every crime in police.uk's category."
        ]
    ]
    assert found["Figures"][0][0].startswith("Disclosure control applied: counts from 1 to 4 are hidden")
    assert found["Source"] == [["data.police.uk (West Midlands Police)"]]
    assert found["Licence address"] == [[OPEN_GOVERNMENT_LICENCE_URL]]
    # Narrowed to Coventry: 20 crimes in its LSOAs, the rest have no location.
    coventry = context_csv(client, local_authority=COVENTRY)
    assert coventry["Crimes"] == [["20"]]
    assert coventry["Note"][0][0].startswith("Counted by LSOA")


@override_settings(CRIME_FIGURES_ROUNDING_BASE=5)
def test_police_uk_context_download_hides_and_rounds_as_the_page_does(
    client, world, extract, forty_six_violent_crimes
):
    client.force_login(world.member("opcc_analyst"))
    assert context_csv(client)["Crimes"] == [["45"]]
    assert "Rounding" in context_csv(client)
    coventry = context_csv(client, local_authority=COVENTRY)
    assert coventry["Crimes"] == [["[c]"]]
    assert coventry["Why hidden"] == [["under 5, or hidden so that one under 5 cannot be worked out"]]
    assert coventry["In words"][0][0].startswith("police.uk lists [c] crimes")


def test_police_uk_context_download_says_why_there_is_no_figure(client, world, extract):
    client.force_login(world.member("opcc_analyst"))
    found = context_csv(client)
    assert found["Crimes"] == [
        ["No police.uk data for the West Midlands force area has been loaded for this period."]
    ]
    assert "Source" not in found


def test_police_uk_files_table_names_the_force_where_waymark_knows_it(client, world):
    police_uk_street_file("west-midlands", date(2024, 4, 1))
    police_uk_street_file("city-of-london", date(2024, 4, 1))
    client.force_login(world.member("opcc_analyst"))
    page = client.get(reverse("crime:imports")).content.decode()
    table = page[page.index('id="police-uk-files"') :]
    cells = [cell.split("</td>")[0] for cell in table.split('<td class="govuk-table__cell">')[1:]]
    assert "West Midlands" in cells
    assert "west-midlands" not in cells
    assert "city-of-london" in cells  # no area in Waymark has this police.uk id


def test_views_and_downloads_are_in_the_access_log(client, world, extract):
    from waymark.audit.models import AccessLog

    analyst = world.member("opcc_analyst")
    client.force_login(analyst)
    client.get(reverse("crime:rasso"), {"period": "fy:2024/25"})
    client.get(reverse("crime:vawg_download", args=["basis"]), {"period": "fy:2024/25"})
    entries = AccessLog.objects.filter(actor=analyst).order_by("at", "id")
    assert [(e.action, e.record_label) for e in entries] == [
        ("view", "Adult rape progression dashboard"),
        ("export", "VAWG crimes table basis"),
    ]
    assert "Period: 2024/25" in entries[1].detail


def test_every_vawg_table_has_a_heading_to_move_to(client, world, extract):
    """Captions are not headings: each cut of the figures has a heading of its own, so that a
    screen reader moving by headings reaches every table."""
    client.force_login(world.member("opcc_analyst"))
    page = client.get(reverse("crime:vawg"), {"period": "fy:2024/25"}).content.decode()
    headings = ["By local authority", "By VAWG basis", "By month", "By offence group", "By victim"]
    for heading in headings:
        assert f'<h3 class="govuk-heading-s">{heading}</h3>' in page, heading
    assert [page.index(heading) for heading in headings] == sorted(
        page.index(heading) for heading in headings
    )
