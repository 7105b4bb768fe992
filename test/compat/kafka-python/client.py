"""Drives kafka-python 2.0.2 for kafka-python.test.ts.

Reads one JSON object on stdin, {"bootstrap", "step", ...}, and prints one JSON object as its last
line. Steps: "produce" (records, returning each send's metadata), "consume" (assign, seek to the
beginning, poll until the expected count or the deadline) and "lookup" (metadata: topics and
partitions_for_topic; offsets_for_times, beginning_offsets and end_offsets of partition 0).
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

TIMEOUT = 20
req = json.load(sys.stdin)


def enc(s):
    return None if s is None else s.encode()


def dec(b):
    return None if b is None else b.decode()


def produce_step():
    producer = KafkaProducer(
        bootstrap_servers=req["bootstrap"],
        client_id="gregor-compat-kafka-python",
        compression_type=None if req["codec"] == "none" else req["codec"],
        acks=req.get("acks", "all"),
        linger_ms=20,
    )
    # The bootstrap probe (ApiVersions v0 + Metadata v0) decided which Kafka release this is.
    version = list(producer.config["api_version"])
    futures = [
        producer.send(
            req["topic"],
            partition=0,
            key=enc(r["key"]),
            value=enc(r["value"]),
            headers=[(k, enc(v)) for k, v in r["headers"]],
            timestamp_ms=r.get("timestamp"),
        )
        for r in req["records"]
    ]
    producer.flush(timeout=TIMEOUT)
    sent = [f.get(timeout=TIMEOUT) for f in futures]
    producer.close(timeout=5)
    return {"api_version": version, "offsets": [m.offset for m in sent], "partitions": sorted({m.partition for m in sent})}


def consume_step():
    consumer = KafkaConsumer(
        bootstrap_servers=req["bootstrap"],
        client_id="gregor-compat-kafka-python",
        group_id=None,
        enable_auto_commit=False,
        fetch_max_wait_ms=100,
    )
    partition = TopicPartition(req["topic"], 0)
    consumer.assign([partition])
    consumer.seek_to_beginning(partition)
    records = []
    deadline = time.monotonic() + TIMEOUT
    while len(records) < req["expected"] and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=200).values():
            for m in batch:
                records.append(
                    {
                        "offset": m.offset,
                        "key": dec(m.key),
                        "value": dec(m.value),
                        "headers": [[k, dec(v)] for k, v in m.headers],
                        "timestamp": m.timestamp,
                        "timestamp_type": m.timestamp_type,
                    }
                )
    # One more poll: a broker that returned records twice would show them here.
    for batch in consumer.poll(timeout_ms=300).values():
        records.extend({"offset": m.offset, "extra": True} for m in batch)
    end = consumer.end_offsets([partition])[partition]
    consumer.close()
    return {"records": records, "end_offset": end}


def lookup_step():
    consumer = KafkaConsumer(bootstrap_servers=req["bootstrap"], client_id="gregor-compat-kafka-python", group_id=None)
    partition = TopicPartition(req["topic"], 0)
    out = {
        "topics": sorted(consumer.topics()),
        "partitions": sorted(consumer.partitions_for_topic(req["topic"]) or []),
        "beginning": consumer.beginning_offsets([partition])[partition],
        "end": consumer.end_offsets([partition])[partition],
        "times": [],
    }
    for ts in req["timestamps"]:
        found = consumer.offsets_for_times({partition: ts})[partition]
        out["times"].append(None if found is None else [found.offset, found.timestamp])
    consumer.close()
    return out


steps = {"produce": produce_step, "consume": consume_step, "lookup": lookup_step}
print(json.dumps(steps[req["step"]]()))
