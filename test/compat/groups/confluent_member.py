"""A long-running confluent-kafka-python 1.7 (librdkafka 2.0.2) group member for the member-process
tests (groups-confluent-members.test.ts, groups-cooperative.test.ts).

Reads one JSON object on stdin (its first line), then prints one JSON object per line, flushed, so
that a test reading the pipe sees every event up to the moment the process is killed:

  {"ev":"ready"}                          subscribed
  {"ev":"assign","parts":[...]}           on_assign (incremental under cooperative-sticky)
  {"ev":"revoke","parts":[...]}           on_revoke (ditto)
  {"ev":"rec","p":p,"o":o,"k":"key"}      a record handed to the application
  {"ev":"commit","p":p,"o":o}             a commit the broker confirmed (next offset to read)
  {"ev":"eof","p":p}                      reached the end of an assigned partition
  {"ev":"closed"}                         close() returned

Input: bootstrap, group, topic, client, commit ("manual": commit synchronously after each batch the
application read; "auto": enable.auto.commit every 200 ms, poll() one message at a time), strategy (librdkafka
partition.assignment.strategy, default "range"), instance (group.instance.id), session_ms.

SIGTERM makes it leave cleanly: stop polling, close() (LeaveGroup unless static, final commit for
auto-commit members). SIGKILL is a crash: nothing more is sent.
"""
import json
import signal
import sys

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

req = json.loads(sys.stdin.readline())
manual = req.get("commit", "manual") == "manual"


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def on_commit(err, partitions):
    # Called from poll/consume/close for auto commits (and for manual ones, which is harmless:
    # a confirmed commit is reported twice at most).
    if err is not None:
        return
    for tp in partitions:
        if tp.error is None and tp.offset >= 0:
            emit({"ev": "commit", "p": tp.partition, "o": tp.offset})


conf = {
    "bootstrap.servers": req["bootstrap"],
    "group.id": req["group"],
    "client.id": req.get("client", "gregor-compat-member"),
    "auto.offset.reset": "earliest",
    "enable.auto.commit": not manual,
    "auto.commit.interval.ms": 200,
    "enable.partition.eof": True,
    "session.timeout.ms": req.get("session_ms", 6000),
    "heartbeat.interval.ms": 500,
    "max.poll.interval.ms": 30000,
    "partition.assignment.strategy": req.get("strategy", "range"),
    "on_commit": on_commit,
}
if req.get("instance"):
    conf["group.instance.id"] = req["instance"]

consumer = Consumer(conf)
stopping = {"flag": False}
signal.signal(signal.SIGTERM, lambda *_: stopping.update(flag=True))


def on_assign(c, partitions):
    # Not calling assign()/incremental_assign() here: confluent-kafka-python then does the one that
    # fits the rebalance protocol (incremental under cooperative-sticky).
    emit({"ev": "assign", "parts": sorted(p.partition for p in partitions)})


def on_revoke(c, partitions):
    for p in partitions:
        pending.pop(p.partition, None)
    emit({"ev": "revoke", "parts": sorted(p.partition for p in partitions)})


# Read but not yet committed (manual mode): retried after each poll until a commit succeeds, since
# a failed commit (a rebalance in progress) is otherwise never repeated once the partition goes
# quiet. Dropped for revoked partitions: their next owner reads them again.
pending = {}
consumer.subscribe([req["topic"]], on_assign=on_assign, on_revoke=on_revoke)
emit({"ev": "ready"})

while not stopping["flag"]:
    if manual:
        msgs = consumer.consume(num_messages=200, timeout=0.2)
    else:
        # Auto commit with poll(), one message at a time. With consume() (a batch) librdkafka 2.0.2
        # stores, and so auto-commits, offsets of messages it then drops from the batch on a
        # rebalance: against Apache Kafka 4.3 as against Gregor, records are skipped for good.
        msg = consumer.poll(0.2)
        msgs = [] if msg is None else [msg]
    for msg in msgs:
        err = msg.error()
        if err is None:
            key = msg.key().decode() if msg.key() is not None else None
            emit({"ev": "rec", "p": msg.partition(), "o": msg.offset(), "k": key})
            pending[msg.partition()] = msg.offset() + 1
        elif err.code() == KafkaError._PARTITION_EOF:
            emit({"ev": "eof", "p": msg.partition()})
        else:
            emit({"ev": "error", "error": str(err)})
    if manual and pending:
        offsets = [TopicPartition(req["topic"], p, o) for p, o in sorted(pending.items())]
        try:
            for tp in consumer.commit(offsets=offsets, asynchronous=False):
                if tp.error is None:
                    emit({"ev": "commit", "p": tp.partition, "o": tp.offset})
                    if pending.get(tp.partition) == tp.offset:
                        del pending[tp.partition]
        except KafkaException as e:
            # A commit racing a rebalance (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, ...): these
            # records stay uncommitted, inside the at-least-once window; the next owner reads them again.
            emit({"ev": "commit-failed", "error": str(e)})

consumer.close()
emit({"ev": "closed"})
