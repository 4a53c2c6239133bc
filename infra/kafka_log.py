"""The log ports on Kafka, in one import (each adapter has its own module)."""

from __future__ import annotations

from infra.kafka_feed import KafkaEventFeed
from infra.kafka_processor_log import KafkaProcessorLog
from infra.kafka_publisher import KafkaCommandPublisher

__all__ = ["KafkaCommandPublisher", "KafkaEventFeed", "KafkaProcessorLog"]
