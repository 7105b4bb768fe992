"""Drives kafka-python 2.0.2's KafkaConsumer as a group member for groups-kafka-python.test.ts.

Reads one JSON object on stdin and prints one JSON object as its last line.
Step "consume": subscribe(group_id=...), read `count` records, commit() (OffsetCommit v2 with the
group's generation), read committed() back for every partition, close (LeaveGroup v1).
Step "committed": a consumer that never joins reads committed() (OffsetFetch v1) for every partition.
"""
import json
import sys
import time

from kafka import KafkaConsumer, TopicPartition

req = json.load(sys.stdin)
topic = req["topic"]
common = dict(
    bootstrap_servers=req["bootstrap"],
    group_id=req["group"],
    client_id="gregor-compat-groups",
    enable_auto_commit=False,
    auto_offset_reset="earliest",
)


def committed(consumer):
    parts = consumer.partitions_for_topic(topic) or set()
    return sorted([p, consumer.committed(TopicPartition(topic, p))] for p in parts)


if req["step"] == "consume":
    consumer = KafkaConsumer(session_timeout_ms=10000, heartbeat_interval_ms=1000, **common)
    consumer.subscribe([topic])
    records = []
    deadline = time.time() + 40
    while len(records) < req["count"] and time.time() < deadline:
        for tp, msgs in consumer.poll(timeout_ms=500).items():
            records.extend([m.partition, m.offset, m.value.decode()] for m in msgs)
    consumer.commit()
    out = {"records": records, "assignment": sorted(tp.partition for tp in consumer.assignment()), "committed": committed(consumer)}
    consumer.close()
    print(json.dumps(out))
elif req["step"] == "committed":
    consumer = KafkaConsumer(**common)
    out = {"committed": committed(consumer)}
    consumer.close(autocommit=False)
    print(json.dumps(out))
else:
    raise SystemExit(f"unknown step {req['step']}")
