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


def test_two_clients_keep_their_own_sign_in(app, make_user):
    from tests.conftest import login

    first, second = app.test_client(), app.test_client()
    alice = make_user(name="Alice")
    bob = make_user(name="Bob")
    login(first, alice)
    login(second, bob)
    assert "Alice" in first.get("/").get_data(as_text=True)
    assert "Bob" in second.get("/").get_data(as_text=True)
    assert "Bob" not in first.get("/").get_data(as_text=True)


def test_as_many_requests_as_serve_has_threads_keep_their_connections(app):
    """Eight requests (serve's default threads) each hold a connection at once, round after
    round: a pool smaller than that would close the extra ones and open them again."""
    import threading

    from sqlalchemy import event, text

    db.session.remove()
    opened = []
    event.listen(db.engine, "connect", lambda *_: opened.append(1))
    threads_like_serve, rounds = 8, 5
    together = threading.Barrier(threads_like_serve)

    def request_like() -> None:
        for _ in range(rounds):
            with app.app_context():
                db.session.execute(text("SELECT 1"))
                together.wait(timeout=10)  # all eight hold a connection now
            together.wait(timeout=10)  # all eight gave theirs back

    workers = [threading.Thread(target=request_like) for _ in range(threads_like_serve)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(opened) <= threads_like_serve
