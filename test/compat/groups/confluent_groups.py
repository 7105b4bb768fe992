"""Drives confluent-kafka-python (librdkafka 2.0.2) as a group member for groups-confluent.test.ts.

Reads one JSON object on stdin and prints one JSON object as its last line.
Step "consume": subscribe to `topic` in `group` (optionally static, with `instance`), read every
assigned partition to its end, commit synchronously after each message, then close. Waits until it
has held an assignment of `want_partitions` partitions (so concurrent members really share the
topic) before it can finish. Prints the assignments it saw and the records it read.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError

req = json.load(sys.stdin)
conf = {
    "bootstrap.servers": req["bootstrap"],
    "group.id": req["group"],
    "client.id": req.get("client", "gregor-compat-groups"),
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
    "enable.partition.eof": True,
    "session.timeout.ms": req.get("session_ms", 10000),
    "heartbeat.interval.ms": 500,
    "partition.assignment.strategy": "range",
}
if req.get("instance"):
    conf["group.instance.id"] = req["instance"]

consumer = Consumer(conf)
assignments = []
state = {"eof": set(), "assigned": []}


def on_assign(c, partitions):
    parts = sorted(p.partition for p in partitions)
    assignments.append(parts)
    state["assigned"] = parts
    state["eof"] = set()


def on_revoke(c, partitions):
    state["assigned"] = []
    state["eof"] = set()


consumer.subscribe([req["topic"]], on_assign=on_assign, on_revoke=on_revoke)
records = []
deadline = time.time() + req.get("seconds", 40)
want = req.get("want_partitions")
done = False
while time.time() < deadline and not done:
    msg = consumer.poll(0.2)
    if msg is not None:
        err = msg.error()
        if err is None:
            records.append([msg.partition(), msg.offset(), msg.value().decode()])
            consumer.commit(message=msg, asynchronous=False)
        elif err.code() == KafkaError._PARTITION_EOF:
            state["eof"].add(msg.partition())
        else:
            raise SystemExit(f"consumer error: {err}")
    held_wanted = want is None or any(len(a) == want for a in assignments)
    assigned = state["assigned"]
    done = held_wanted and len(assigned) > 0 and set(assigned) <= state["eof"]

committed = consumer.committed(consumer.assignment(), timeout=10) if state["assigned"] else []
consumer.close()
print(json.dumps({
    "done": done,
    "assignments": assignments,
    "records": records,
    "committed": sorted([p.partition, p.offset] for p in committed),
}))
