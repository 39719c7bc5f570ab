"""20 operators adding to one playlist at the same moment: the positions stay a sequence (issue 10, races)."""

from __future__ import annotations

import threading

from sqlalchemy import select

from scheduling.models import Playlist, PlaylistItem
from signage.extensions import db
from tests.conftest import Client, csrf_token

ADDS = 20


def test_concurrent_adds_keep_positions_a_sequence(app, login, build, content, demo):
    content.add("slide", 1, name="Lễ hội Dinh Thầy Thím")
    playlist = build.playlist("Giờ cao điểm", region=demo["BT-PT"])
    url = f"/schedule/playlists/{playlist.id}"
    signed_in = login("phanthiet")
    token = csrf_token(signed_in.get(url).get_data(as_text=True))
    clients = []
    for _ in range(ADDS):  # 20 browsers of the same operator, each its own connection
        client = Client(app)
        client.http.set_cookie("session", signed_in.http.get_cookie("session").value)
        clients.append(client)
    start, statuses = threading.Barrier(ADDS), []

    def add(client: Client) -> None:
        start.wait()
        response = client.post(url, data={"csrf_token": token, "action": "add", "add-item": "slide:1"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=add, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [302] * ADDS
    db.session.expire_all()
    positions = db.session.scalars(select(PlaylistItem.position).where(PlaylistItem.playlist_id == playlist.id)
                                   .order_by(PlaylistItem.position)).all()
    assert positions == list(range(ADDS))
    assert len(db.session.get(Playlist, playlist.id).items) == ADDS
