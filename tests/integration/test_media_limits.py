"""Per-user upload limits (rate and bytes per day) and sends with
attachments (a reply too) over the socket, on the embedded edge."""

from __future__ import annotations

from pathlib import Path

from tests.integration.edge_app import edge_client, register
from tests.integration.media_support import group_of, posted, upload, uploaded
from tests.support import media_files


def test_uploads_over_the_rate_get_429_with_retry_after(tmp_path: Path) -> None:
    with edge_client(media_dir=str(tmp_path), media_uploads_per_minute=2.0) as client:
        ann, ben = register(client, "ann"), register(client, "ben")
        answers = [upload(client, ann, media_files.png(9 + i, 9), "image/png") for i in range(3)]
        assert [a.status_code for a in answers] == [201, 201, 429]
        assert int(answers[2].headers["retry-after"]) >= 1
        assert upload(client, ben, media_files.png(), "image/png").status_code == 201


def test_uploads_over_the_bytes_of_a_day_get_429(tmp_path: Path) -> None:
    pdf = media_files.small_pdf()
    with edge_client(media_dir=str(tmp_path), media_bytes_per_day=len(pdf) + 10) as client:
        ann = register(client, "ann")
        assert upload(client, ann, pdf, "application/pdf").status_code == 201
        assert upload(client, ann, pdf + b"%", "application/pdf").status_code == 429


def test_a_send_frame_with_attachments_reaches_the_other_member(tmp_path: Path) -> None:
    with edge_client(media_dir=str(tmp_path)) as client:
        ann, ben = register(client, "ann"), register(client, "ben")
        group = group_of(client, ann, ben)
        media = uploaded(client, ann, media_files.png(), "image/png")
        with client.websocket_connect("/v1/ws", headers=ann.auth) as socket:
            assert socket.receive_json()["type"] == "ready"
            socket.send_json(
                {
                    "type": "send",
                    "id": "s",
                    "conversation_id": group,
                    "client_msg_id": "c1",
                    "body": "",
                    "attachments": [{"media_id": media["media_id"]}],
                }
            )
            frames = [socket.receive_json() for _ in range(2)]
            assert "sent" in {f["type"] for f in frames}
            pushed = next(f for f in frames if f["type"] == "message")
            assert pushed["attachments"] == [media]
            socket.send_json(
                {
                    "type": "send",
                    "id": "bad",
                    "conversation_id": group,
                    "client_msg_id": "c2",
                    "body": "",
                    "attachments": [{"media_id": "not-mine"}],
                }
            )
            error = socket.receive_json()
            assert (error["type"], error["id"], error["code"]) == ("error", "bad", "not_found")
        [message] = posted(client, ben, group, 1)
        assert message["attachments"] == [media]


def test_a_reply_over_the_socket_carries_its_attachments_and_the_quote(tmp_path: Path) -> None:
    with edge_client(media_dir=str(tmp_path)) as client:
        ann, ben = register(client, "ann"), register(client, "ben")
        group = group_of(client, ann, ben)
        media = uploaded(client, ann, media_files.png(), "image/png")
        with client.websocket_connect("/v1/ws", headers=ann.auth) as socket:
            assert socket.receive_json()["type"] == "ready"
            first = {"type": "send", "conversation_id": group, "client_msg_id": "c1", "body": "hi"}
            socket.send_json({**first, "id": "s1"})
            assert {socket.receive_json()["type"] for _ in range(2)} == {"sent", "message"}
            reply = {**first, "id": "s2", "client_msg_id": "c2", "body": "", "reply_to": 1}
            socket.send_json({**reply, "attachments": [{"media_id": media["media_id"]}]})
            frames = [socket.receive_json() for _ in range(2)]
            pushed = next(f for f in frames if f["type"] == "message")
            assert (pushed["attachments"], pushed["reply_to"]["body"]) == ([media], "hi")
        message = posted(client, ben, group, 2)[1]
        assert (message["attachments"], message["reply_to"]["seq"]) == ([media], 1)
