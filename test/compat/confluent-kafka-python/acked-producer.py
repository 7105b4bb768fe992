"""Produces continuously with acks=all and prints every delivery report, for the kill -9 tests.

Reads {"bootstrap", "topic", "count", "idempotence"?} as JSON on stdin. Prints one line per report as it arrives,
flushed so the parent can decide when to kill the broker: "ack <key> <offset>" or
"err <key> <error name>"; then "done <messages left undelivered>".
"""
import json
import sys
import time

from confluent_kafka import Producer

req = json.load(sys.stdin)
producer = Producer(
    {
        "bootstrap.servers": req["bootstrap"],
        "client.id": "gregor-kill9-producer",
        "acks": "all",
        "enable.idempotence": bool(req.get("idempotence", False)),
        "compression.type": "lz4",
        "linger.ms": 5,
        # Long enough to outlive two broker restarts; retries go on until then.
        "message.timeout.ms": 90000,
        "reconnect.backoff.ms": 20,
        "reconnect.backoff.max.ms": 200,
    }
)


def value(i):
    return "value-%d-%s" % (i, "x" * (i % 300))


def report(err, msg):
    key = msg.key().decode()
    if err is not None:
        print("err %s %s" % (key, err.name()), flush=True)
    else:
        print("ack %s %d" % (key, msg.offset()), flush=True)


for i in range(req["count"]):
    while True:
        try:
            producer.produce(req["topic"], partition=0, key=("k%d" % i).encode(), value=value(i).encode(), on_delivery=report)
            break
        except BufferError:
            producer.poll(0.05)
    producer.poll(0)
    # Paced, so the broker is killed while records are still being produced and in flight.
    if i % 20 == 19:
        time.sleep(0.005)
left = producer.flush(120)
print("done %d" % left, flush=True)
