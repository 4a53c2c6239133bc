"""Both chat views pass eventsourcing's own TrackingRecorder test case."""

from __future__ import annotations

import os
import uuid

from eventsourcing.persistence import TrackingRecorder
from eventsourcing.tests.persistence import TrackingRecorderTestCase

from infra.memory.chat_view import InMemoryChatView
from infra.postgres.chat_view import PostgresChatView
from infra.postgres.schema import create_schema
from tests.support.postgres import drop_schema

DSN = os.environ.get("CHAT_TEST_POSTGRES_DSN", "postgresql://chat:chat@127.0.0.1:5432/chat_test")


class TestInMemoryChatViewTracking(TrackingRecorderTestCase):
    def create_recorder(self) -> TrackingRecorder:
        return InMemoryChatView()


class TestPostgresChatViewTracking(TrackingRecorderTestCase):
    def create_recorder(self) -> TrackingRecorder:
        schema = f"t{uuid.uuid4().hex[:12]}"
        create_schema(DSN, schema)
        view = PostgresChatView.from_dsn(DSN, schema)
        self.addCleanup(drop_schema, DSN, schema)
        self.addCleanup(view.close)
        return view
