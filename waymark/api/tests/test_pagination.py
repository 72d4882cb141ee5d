"""API list pages refuse an offset the database cannot take, with a 422 instead of a 500."""

import pytest

from waymark.api.pagination import MAX_OFFSET

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/services", "/api/v1/organisations", "/api/v1/cases"])
def test_an_offset_beyond_the_bound_is_refused_by_name(client, world, path):
    client.force_login(world.member("opcc_admin"))
    response = client.get(path, {"offset": MAX_OFFSET + 1})
    assert response.status_code == 422
    assert "offset" in response.content.decode()
    assert client.get(path, {"offset": 28796629533966760673280}).status_code == 422
    assert client.get(path, {"offset": MAX_OFFSET}).status_code == 200
