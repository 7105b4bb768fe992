"""Drives kafka-python 2.0.2 against the capture server (see kafka-python.ts).

Reads one JSON object on stdin: port, step ("produce" or "consume"), topic, codec, records.
Its bootstrap probe sends ApiVersions v0 and Metadata v0; then it uses fixed versions
(Produce v7, Fetch v4, ListOffsets v1, Metadata v1).
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

req = json.load(sys.stdin)
servers = "127.0.0.1:%d" % req["port"]
topic = req["topic"]
records = req["records"]

if req["step"] == "produce":
    producer = KafkaProducer(
        bootstrap_servers=servers,
        client_id="golden-kafka-python",
        compression_type=None if req["codec"] == "none" else req["codec"],
        # Gives the three sends time to share one batch.
        linger_ms=50,
    )
    futures = [
        producer.send(
            topic,
            key=r["key"].encode(),
            value=r["value"].encode(),
            headers=[(k, v.encode()) for k, v in r["headers"]],
        )
        for r in records
    ]
    producer.flush(timeout=20)
    for f in futures:
        f.get(timeout=20)
    producer.close(timeout=5)
elif req["step"] == "consume":
    consumer = KafkaConsumer(
        bootstrap_servers=servers,
        client_id="golden-kafka-python",
        group_id=None,
        enable_auto_commit=False,
        fetch_max_wait_ms=200,
    )
    partition = TopicPartition(topic, 0)
    consumer.assign([partition])
    consumer.seek_to_beginning(partition)
    got = 0
    deadline = time.monotonic() + 20
    while got < len(records) and time.monotonic() < deadline:
        got += sum(len(batch) for batch in consumer.poll(timeout_ms=500).values())
    consumer.close()
    if got != len(records):
        sys.exit("kafka-python consumed %d records, expected %d" % (got, len(records)))
else:
    sys.exit("unknown step %r" % req["step"])
