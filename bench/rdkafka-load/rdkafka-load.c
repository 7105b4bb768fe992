/*
 * rdkafka-load: the librdkafka load generator of `npm run bench:compare` (issue 8), written on the
 * public API of Debian's librdkafka-dev so the same C client drives Gregor and Apache Kafka.
 *
 *   rdkafka-load produce <bootstrap> <topic> <records> <record-bytes> <acks>
 *   rdkafka-load consume <bootstrap> <topic> <records>
 *   rdkafka-load mock <records> <record-bytes> <partitions>
 *
 * produce sends values of <record-bytes> with no key (librdkafka's defaults otherwise: linger.ms 5,
 * batch.size 1 MB, sticky partitioning) and waits until every record is acknowledged; consume
 * assigns every partition of <topic> from the beginning and reads until it has <records>; mock
 * produces against librdkafka's in-process mock cluster (test.mock.num.brokers), which keeps records
 * in memory and acknowledges at once: the producer's own ceiling on this machine. (The mock is no
 * ceiling for consuming: it keeps only a few MB per partition and serves fetches slower than either
 * broker, 33 MB/s of 1 KiB records when tried.)
 *
 * Each phase prints one JSON line on stdout: {"phase":..,"records":..,"bytes":..,"seconds":..,
 * "errors":..}. The clock starts once the client has metadata for the topic (connections are up).
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long delivered = 0;
static long long failed = 0;
static char first_error[512] = "";

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *detail) {
  fprintf(stderr, "rdkafka-load: %s: %s\n", what, detail);
  exit(2);
}

static void set(rd_kafka_conf_t *conf, const char *name, const char *value) {
  char err[512];
  if (rd_kafka_conf_set(conf, name, value, err, sizeof err) != RD_KAFKA_CONF_OK) die(name, err);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    delivered++;
  } else {
    if (failed++ == 0) snprintf(first_error, sizeof first_error, "%s", rd_kafka_err2str(m->err));
  }
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
  (void)rk;
  (void)opaque;
  fprintf(stderr, "rdkafka-load: %s: %s\n", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

/** Partition count of `topic`, asking until the broker knows it (a new topic may take a moment). */
static int partitions_of(rd_kafka_t *rk, const char *topic) {
  rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
  for (int attempt = 0; attempt < 100; attempt++) {
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, t, &md, 10000);
    int count = 0;
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) count = md->topics[0].partition_cnt;
    if (md != NULL) rd_kafka_metadata_destroy(md);
    if (count > 0) {
      rd_kafka_topic_destroy(t);
      return count;
    }
    struct timespec pause = {0, 100 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  die("metadata", topic);
  return 0;
}

static void report(const char *phase, long long records, long long bytes, double seconds, long long errors) {
  printf("{\"phase\":\"%s\",\"records\":%lld,\"bytes\":%lld,\"seconds\":%.6f,\"errors\":%lld,\"firstError\":\"%s\"}\n", phase, records, bytes,
         seconds, errors, first_error);
  fflush(stdout);
}

static rd_kafka_t *new_producer(const char *bootstrap, const char *acks, int mock) {
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (mock) set(conf, "test.mock.num.brokers", "1");
  else set(conf, "bootstrap.servers", bootstrap);
  set(conf, "acks", acks);
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_error_cb(conf, on_error);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == NULL) die("producer", err);
  return rk;
}

/** Sends `records` values of `size` bytes to `topic` and waits for every acknowledgement. */
static void produce(rd_kafka_t *rk, const char *topic, long long records, int size, const char *phase) {
  partitions_of(rk, topic);
  char *value = malloc((size_t)size);
  if (value == NULL) die("malloc", "value");
  memset(value, 'x', (size_t)size);
  delivered = 0;
  failed = 0;
  double start = now_seconds();
  for (long long i = 0; i < records; i++) {
    for (;;) {
      /* Flags 0: librdkafka neither copies nor frees the value, which outlives every send. */
      rd_kafka_resp_err_t err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(value, (size_t)size), RD_KAFKA_V_MSGFLAGS(0),
                                                  RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) die("produce", rd_kafka_err2str(err));
      rd_kafka_poll(rk, 1);
    }
    rd_kafka_poll(rk, 0);
  }
  while (rd_kafka_outq_len(rk) > 0) rd_kafka_poll(rk, 50);
  double seconds = now_seconds() - start;
  report(phase, delivered, delivered * (long long)size, seconds, failed);
  free(value);
}

static rd_kafka_t *new_consumer(const char *bootstrap) {
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  /* assign() needs no group coordinator; the id only satisfies the high-level consumer. */
  set(conf, "group.id", "rdkafka-load");
  set(conf, "enable.auto.commit", "false");
  set(conf, "enable.auto.offset.store", "false");
  rd_kafka_conf_set_error_cb(conf, on_error);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk == NULL) die("consumer", err);
  return rk;
}

/** Assigns every partition of `topic` at `offset` (RD_KAFKA_OFFSET_BEGINNING or _END). */
static void assign_all(rd_kafka_t *rk, const char *topic, int64_t offset) {
  int partitions = partitions_of(rk, topic);
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; p++) rd_kafka_topic_partition_list_add(list, topic, p)->offset = offset;
  rd_kafka_resp_err_t err = rd_kafka_assign(rk, list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) die("assign", rd_kafka_err2str(err));
  rd_kafka_topic_partition_list_destroy(list);
}

struct tally {
  long long records;
  long long bytes;
  long long errors;
};

/** Polls until `records` more records arrived (or nothing came for 30 s), adding them to `t`. */
static void read_records(rd_kafka_t *rk, long long records, struct tally *t) {
  long long target = t->records + records;
  double idle_since = now_seconds();
  while (t->records < target) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
    if (m == NULL) {
      if (now_seconds() - idle_since > 30) return; /* the report then shows fewer records than asked */
      continue;
    }
    idle_since = now_seconds();
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      t->records++;
      t->bytes += (long long)m->len;
    } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (t->errors++ == 0) snprintf(first_error, sizeof first_error, "%s", rd_kafka_message_errstr(m));
    }
    rd_kafka_message_destroy(m);
  }
}

/** Reads `records` records from every partition of `topic`, from the beginning. */
static void consume(const char *bootstrap, const char *topic, long long records) {
  rd_kafka_t *rk = new_consumer(bootstrap);
  partitions_of(rk, topic);
  struct tally t = {0, 0, 0};
  double start = now_seconds();
  assign_all(rk, topic, RD_KAFKA_OFFSET_BEGINNING);
  read_records(rk, records, &t);
  report("consume", t.records, t.bytes, now_seconds() - start, t.errors);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
}

int main(int argc, char **argv) {
  if (argc >= 7 && strcmp(argv[1], "produce") == 0) {
    rd_kafka_t *rk = new_producer(argv[2], argv[6], 0);
    produce(rk, argv[3], atoll(argv[4]), atoi(argv[5]), "produce");
    rd_kafka_destroy(rk);
    return failed == 0 ? 0 : 1;
  }
  if (argc >= 5 && strcmp(argv[1], "consume") == 0) {
    consume(argv[2], argv[3], atoll(argv[4]));
    return 0;
  }
  if (argc >= 5 && strcmp(argv[1], "mock") == 0) {
    long long records = atoll(argv[2]);
    rd_kafka_t *rk = new_producer(NULL, "1", 1);
    rd_kafka_mock_cluster_t *mock = rd_kafka_handle_mock_cluster(rk);
    if (mock == NULL) die("mock", "no mock cluster (test.mock.num.brokers)");
    if (rd_kafka_mock_topic_create(mock, "load", atoi(argv[4]), 1) != RD_KAFKA_RESP_ERR_NO_ERROR) die("mock", "topic");
    produce(rk, "load", records, atoi(argv[3]), "mock-produce");
    rd_kafka_destroy(rk);
    return failed == 0 ? 0 : 1;
  }
  fprintf(stderr, "usage: rdkafka-load produce <bootstrap> <topic> <records> <record-bytes> <acks>\n"
                  "       rdkafka-load consume <bootstrap> <topic> <records>\n"
                  "       rdkafka-load mock <records> <record-bytes> <partitions>\n");
  return 2;
}
