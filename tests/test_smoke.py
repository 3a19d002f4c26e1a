"""The app builds and answers on a fresh migrated database."""

from sqlalchemy import func, select

from wiki.extensions import db
from wiki.models import Municipality, Theme


def test_reference_data_is_migrated(app):
    assert db.session.execute(select(func.count()).select_from(Municipality)).scalar_one() == 342
    provinces = db.session.execute(
        select(func.count(func.distinct(Municipality.province)))
    ).scalar_one()
    assert provinces == 12
    assert db.session.execute(select(func.count()).select_from(Theme)).scalar_one() == 13


def test_home_answers(client, make_lesson):
    make_lesson()
    response = client.get("/")
    assert response.status_code == 200
    assert "Schuldhulp aan de keukentafel" in response.get_data(as_text=True)
