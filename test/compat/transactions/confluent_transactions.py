"""Drives confluent-kafka-python 1.7 (librdkafka 2.0.2) transactions for transactions.test.ts.

Reads one JSON object on stdin and prints one JSON object as its last line. Two steps:

"pipeline" ({"bootstrap", "input", "output", "group", "transactional_id"}): a consume-transform-
produce loop over 20 input records, 10 a transaction: the first transaction is committed, the
second (records 10-19) is written, flushed and then aborted on purpose, the consumer is rewound to
the group's committed offset and the same records go again in a third, committed transaction. The group's committed offset is read after each step, and the output topic is read
back by a read_committed and a read_uncommitted consumer.

"fence" ({"bootstrap", "output", "transactional_id"}): producer A commits a transaction; producer B
calls init_transactions with the same transactional.id; A, now a zombie, tries another transaction
and reports the errors librdkafka gives it (name, fatal or abortable); B commits one. The output is
read back read_committed and read_uncommitted.
"""
import json
import sys

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

TIMEOUT = 30
BATCH = 10
req = json.load(sys.stdin)
base = {"bootstrap.servers": req["bootstrap"], "client.id": "gregor-compat-confluent-txn"}
out = {"errors": []}


def create_topics():
    admin = AdminClient(base)
    futures = admin.create_topics([NewTopic(t, num_partitions=1, replication_factor=1) for t in (req["input"], req["output"])])
    for f in futures.values():
        f.result(timeout=TIMEOUT)


def produce_input():
    producer = Producer(dict(base, **{"acks": "all"}))
    for i in range(2 * BATCH):
        producer.produce(req["input"], key=f"k{i}", value=f"in-{i}", partition=0)
    left = producer.flush(TIMEOUT)
    if left != 0:
        raise RuntimeError(f"{left} input records not delivered")


def poll_n(consumer, n):
    """Exactly n records from the consumer, in order (the input partition has no more than asked)."""
    got = []
    for _ in range(300):
        if len(got) == n:
            return got
        msg = consumer.poll(0.1)
        if msg is None:
            continue
        if msg.error() is not None:
            out["errors"].append(msg.error().name())
            continue
        got.append(msg)
    raise RuntimeError(f"only {len(got)} of {n} input records arrived")


def committed_offset(consumer):
    (tp,) = consumer.committed([TopicPartition(req["input"], 0)], timeout=TIMEOUT)
    return tp.offset


def run_transaction(producer, consumer, records, commit):
    producer.begin_transaction()
    for msg in records:
        producer.produce(req["output"], key=msg.key(), value=b"out-" + msg.value(), partition=0)
    producer.send_offsets_to_transaction(consumer.position(consumer.assignment()), consumer.consumer_group_metadata(), TIMEOUT)
    if commit:
        producer.commit_transaction(TIMEOUT)
    else:
        # Written to the log first, so read_uncommitted readers have aborted records to see.
        left = producer.flush(TIMEOUT)
        if left != 0:
            raise RuntimeError(f"{left} records of the transaction to abort not delivered")
        producer.abort_transaction(TIMEOUT)


def read_output(isolation):
    consumer = Consumer(
        dict(
            base,
            **{
                "group.id": "gregor-compat-reader-" + isolation,
                "isolation.level": isolation,
                "enable.partition.eof": True,
                "enable.auto.commit": False,
            }
        )
    )
    # librdkafka's end of partition is the last stable offset under read_committed.
    consumer.assign([TopicPartition(req["output"], 0, OFFSET_BEGINNING)])
    records = []
    for _ in range(600):
        msg = consumer.poll(0.1)
        if msg is None:
            continue
        if msg.error() is not None:
            if msg.error().code() == KafkaError._PARTITION_EOF:
                consumer.close()
                return records
            out["errors"].append(msg.error().name())
            continue
        records.append([msg.offset(), msg.key().decode(), msg.value().decode()])
    consumer.close()
    raise RuntimeError(f"{isolation}: no end of partition after {len(records)} records")


def kafka_error(e):
    """A KafkaException's KafkaError as [name, fatal, txn_requires_abort]."""
    err = e.args[0]
    return [err.name(), err.fatal(), err.txn_requires_abort()]


def fence():
    admin = AdminClient(base)
    for f in admin.create_topics([NewTopic(req["output"], num_partitions=1, replication_factor=1)]).values():
        f.result(timeout=TIMEOUT)
    conf = dict(base, **{"transactional.id": req["transactional_id"]})
    a = Producer(dict(conf, **{"client.id": "gregor-compat-fence-a"}))
    a.init_transactions(TIMEOUT)
    a.begin_transaction()
    a.produce(req["output"], key="a", value="a-committed", partition=0)
    a.commit_transaction(TIMEOUT)
    b = Producer(dict(conf, **{"client.id": "gregor-compat-fence-b"}))
    b.init_transactions(TIMEOUT)
    # A is a zombie now; librdkafka may notice on produce, flush or commit.
    zombie = {}
    try:
        a.begin_transaction()
        a.produce(req["output"], key="a", value="a-zombie", partition=0)
        a.commit_transaction(TIMEOUT)
        zombie["commit"] = None
    except Exception as e:
        zombie["commit"] = kafka_error(e)
    try:
        a.abort_transaction(TIMEOUT)
        zombie["abort"] = None
    except Exception as e:
        zombie["abort"] = kafka_error(e)
    out["zombie"] = zombie
    b.begin_transaction()
    b.produce(req["output"], key="b", value="b-committed", partition=0)
    b.commit_transaction(TIMEOUT)
    out["read_committed"] = read_output("read_committed")
    out["read_uncommitted"] = read_output("read_uncommitted")


def pipeline():
    out["committed"] = {}
    create_topics()
    produce_input()
    consumer = Consumer(
        dict(
            base,
            **{
                "group.id": req["group"],
                "isolation.level": "read_committed",
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
            }
        )
    )
    consumer.subscribe([req["input"]])
    producer = Producer(dict(base, **{"transactional.id": req["transactional_id"], "transaction.timeout.ms": 60000}))
    producer.init_transactions(TIMEOUT)

    run_transaction(producer, consumer, poll_n(consumer, BATCH), commit=True)
    out["committed"]["after_first"] = committed_offset(consumer)

    run_transaction(producer, consumer, poll_n(consumer, BATCH), commit=False)
    out["committed"]["after_abort"] = committed_offset(consumer)

    # What an application does after an abort: go back to the last committed input offset.
    consumer.seek(TopicPartition(req["input"], 0, out["committed"]["after_abort"]))
    again = poll_n(consumer, BATCH)
    out["reprocessed"] = [m.offset() for m in again]
    run_transaction(producer, consumer, again, commit=True)
    out["committed"]["after_third"] = committed_offset(consumer)
    consumer.close()

    out["read_committed"] = read_output("read_committed")
    out["read_uncommitted"] = read_output("read_uncommitted")


{"pipeline": pipeline, "fence": fence}[req["step"]]()
print(json.dumps(out))
