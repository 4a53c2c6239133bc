"""Tests that need the clusters of ``make test-cluster`` (the three-node
Kafka cluster of scripts/kafka-cluster.sh, ...); not part of ``make test``."""
