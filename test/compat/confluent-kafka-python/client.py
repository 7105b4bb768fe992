"""Drives confluent-kafka-python (librdkafka) for confluent-kafka.test.ts.

Reads one JSON object on stdin, {"bootstrap", "step", ...}, and prints one JSON object as its last
line. Steps: "admin" (create, describe, alter read-modify-write), "produce" (records with delivery
reports), "consume" (assign from the beginning, read to the end of the partition), "offsets_for_times"
(Consumer.offsets_for_times for partition 0 at each given timestamp).
"""
import json
import sys

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, NewTopic

TIMEOUT = 20
req = json.load(sys.stdin)
base = {"bootstrap.servers": req["bootstrap"], "client.id": "gregor-compat-confluent"}


def describe(admin, topic):
    """The topic's configs as {name: [value, is_default, source]}."""
    (future,) = admin.describe_configs([ConfigResource("topic", topic)]).values()
    return {name: [e.value, e.is_default, e.source] for name, e in future.result(timeout=TIMEOUT).items()}


def admin_step():
    admin = AdminClient(base)
    topic = req["topic"]
    out = {}
    futures = admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1, config={"retention.ms": "3600000"})])
    for f in futures.values():
        f.result(timeout=TIMEOUT)
    (again,) = admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)]).values()
    try:
        again.result(timeout=TIMEOUT)
        out["again"] = "created"
    except Exception as e:  # KafkaException carrying a KafkaError
        out["again"] = e.args[0].name()
    meta = admin.list_topics(topic=topic, timeout=TIMEOUT)
    out["partitions"] = sorted(meta.topics[topic].partitions)
    out["leaders"] = sorted({p.leader for p in meta.topics[topic].partitions.values()})
    out["before"] = describe(admin, topic)
    # Read-modify-write, as AlterConfigs (v0 from librdkafka 2.0.2) replaces the whole override set:
    # keep the topic's own overrides (source DYNAMIC_TOPIC_CONFIG, not broker-level or default ones),
    # change one, add one.
    current = {name: v[0] for name, v in out["before"].items() if v[2] == ConfigSource.DYNAMIC_TOPIC_CONFIG.value}
    current["cleanup.policy"] = "compact"
    current["max.message.bytes"] = "200000"
    (altered,) = admin.alter_configs([ConfigResource("topic", topic, set_config=current)]).values()
    altered.result(timeout=TIMEOUT)
    out["after"] = describe(admin, topic)
    # Without the read step the earlier overrides are gone: AlterConfigs is not incremental.
    (replaced,) = admin.alter_configs([ConfigResource("topic", topic, set_config={"cleanup.policy": "delete"})]).values()
    replaced.result(timeout=TIMEOUT)
    out["replaced"] = describe(admin, topic)
    (missing,) = admin.describe_configs([ConfigResource("topic", "no-such-topic-here")]).values()
    try:
        missing.result(timeout=TIMEOUT)
        out["missing"] = "found"
    except Exception as e:
        out["missing"] = e.args[0].name()
    return out


def produce_step():
    conf = dict(base, **{"compression.type": req["codec"], "linger.ms": 20, "acks": str(req.get("acks", "all"))})
    producer = Producer(conf)
    reports = []

    def delivered(err, msg):
        reports.append(
            {
                "error": None if err is None else err.name(),
                "key": None if msg.key() is None else msg.key().decode(),
                "partition": msg.partition(),
                "offset": msg.offset(),
            }
        )

    for r in req["records"]:
        producer.produce(
            req["topic"],
            partition=0,
            key=None if r["key"] is None else r["key"].encode(),
            value=None if r["value"] is None else r["value"].encode(),
            headers=[(k, None if v is None else v.encode()) for k, v in r["headers"]],
            timestamp=r.get("timestamp", 0),
            on_delivery=delivered,
        )
        producer.poll(0)
    left = producer.flush(TIMEOUT)
    return {"left": left, "reports": reports}


def consume_step():
    consumer = Consumer(
        dict(
            base,
            **{
                # librdkafka wants a group id even for assign(); nothing here commits or joins.
                "group.id": "gregor-compat-unused",
                "enable.auto.commit": False,
                "enable.partition.eof": True,
                "fetch.wait.max.ms": 100,
            }
        )
    )
    consumer.assign([TopicPartition(req["topic"], 0, OFFSET_BEGINNING)])
    records = []
    errors = []
    while True:
        msg = consumer.poll(TIMEOUT)
        if msg is None:
            errors.append("poll timed out")
            break
        if msg.error() is not None:
            if msg.error().code() == KafkaError._PARTITION_EOF:
                break
            errors.append(msg.error().name())
            continue
        records.append(
            {
                "offset": msg.offset(),
                "key": None if msg.key() is None else msg.key().decode(),
                "value": None if msg.value() is None else msg.value().decode(),
                "headers": [[k, None if v is None else v.decode()] for k, v in (msg.headers() or [])],
                "timestamp": list(msg.timestamp()),
            }
        )
    consumer.close()
    return {"records": records, "errors": errors}


def offsets_for_times_step():
    consumer = Consumer(dict(base, **{"group.id": "gregor-compat-unused", "enable.auto.commit": False}))
    found = consumer.offsets_for_times([TopicPartition(req["topic"], 0, ts) for ts in req["timestamps"]], timeout=TIMEOUT)
    consumer.close()
    return {"offsets": [[tp.offset, None if tp.error is None else tp.error.name()] for tp in found]}


steps = {"admin": admin_step, "produce": produce_step, "consume": consume_step, "offsets_for_times": offsets_for_times_step}
print(json.dumps(steps[req["step"]]()))
