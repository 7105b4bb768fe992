"""Drives confluent-kafka-python (librdkafka) against the capture server (see confluent-kafka.ts).

Reads one JSON object on stdin: port, step ("admin" or "produce"), topic, codec, records.
"""
import json
import sys

from confluent_kafka import KafkaException, Producer
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

req = json.load(sys.stdin)
config = {"bootstrap.servers": "127.0.0.1:%d" % req["port"], "client.id": "golden-confluent-kafka"}
topic = req["topic"]

if req["step"] == "admin":
    admin = AdminClient(config)
    for future in admin.create_topics([NewTopic("golden-admin", num_partitions=1, replication_factor=1)]).values():
        future.result(timeout=20)
    for future in admin.describe_configs([ConfigResource("topic", topic)]).values():
        future.result(timeout=20)
    admin.list_topics(timeout=20)
elif req["step"] == "produce":
    producer = Producer(dict(config, **{"compression.type": req["codec"], "linger.ms": 50}))
    errors = []

    def delivered(err, _msg):
        if err is not None:
            errors.append(err)

    for r in req["records"]:
        producer.produce(
            topic,
            key=r["key"].encode(),
            value=r["value"].encode(),
            headers=[(k, v.encode()) for k, v in r["headers"]],
            on_delivery=delivered,
        )
    if producer.flush(20) != 0 or errors:
        raise KafkaException("delivery failed: %r" % errors)
else:
    sys.exit("unknown step %r" % req["step"])
