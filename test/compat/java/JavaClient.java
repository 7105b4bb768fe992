// The Java client (org.apache.kafka:kafka-clients) driven from tests: one command per run, results as
// JSON lines on stdout, diagnostics on stderr. The file name breaks the project's kebab-case rule
// because javac requires a public class's file to carry its name.
//
//   produce <bootstrap> <topic> <count> [--acks all|1|0] [--compression none|gzip|snappy|lz4|zstd]
//           [--idempotence true|false] [--partition p] [--key-prefix k] [--value-prefix v] [--stdin]
//       one {"partition","offset","key","value"} line per acknowledged record, in send order;
//       --stdin sends each line of standard input as a value instead of <count> generated ones.
//   consume <bootstrap> <topic> --group g --max n [--timeout-ms t] [--offset-reset earliest|latest]
//           [--isolation read_uncommitted|read_committed]
//       one {"partition","offset","timestamp","key","value","headers"} line per record; exit 3 when
//       fewer than n arrived before the timeout. Offsets are committed before exit.
//   admin <bootstrap> create-topic <topic> [--partitions p] [--replication-factor r] [--config k=v]...
//   admin <bootstrap> delete-topic <topic> | list-topics | describe-cluster | describe-topic <topic>
//   admin <bootstrap> describe-configs topic|broker <name> | list-offsets <topic> earliest|latest|max-timestamp
//   read-all <bootstrap> <topic> [--isolation read_uncommitted|read_committed] [--timeout-ms t]
//       assigns every partition and reads from the beginning to the end offsets (the last stable
//       offset under read_committed): one {"partition","offset","key","value"} line per record.
//   eos-pipeline <bootstrap> <input> <output> --group g --transactional-id t --expect n [--batch b]
//           [--hang-after h]
//       consume-transform-produce: polls <input> read_committed in group g (at most b records a
//       poll), sends each as key -> "out-"+value to <output> and the consumed positions with
//       sendOffsetsToTransaction in one transaction per poll; prints {"committed": total} after each
//       commit and {"done": total} once the group's committed offsets add up to n. An abortable
//       error aborts the transaction and rewinds to the committed offsets ({"aborted": ...}); a
//       fatal one exits 1. With --hang-after, once h input records are committed the next
//       transaction is written and flushed but never ended ({"open": records}): the process waits
//       to be killed, a zombie.
//   fence <bootstrap> <topic> --transactional-id t
//       producer A commits "a-committed"; producer B inits the same transactional.id; A then tries
//       to send and commit "a-zombie", to abort, and another transaction, each error reported by
//       exception class; B commits "b-committed". One line per step.
//
// Every command accepts --property k=v (repeatable) for any other client config. Exit codes: 0 ok,
// 1 a Kafka error (printed as {"error": ...} on stdout), 2 bad usage, 3 consume or read-all timed out.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public final class JavaClient {
  private JavaClient() {}

  /** Thrown for bad command lines: exit 2 with the message. */
  private static final class Usage extends RuntimeException {
    Usage(String message) {
      super(message);
    }
  }

  /** Positional arguments and --name value options; --property and --config may repeat. */
  private static final class Args {
    final List<String> positional = new ArrayList<>();
    final Map<String, String> options = new HashMap<>();
    final Properties properties = new Properties();
    final Map<String, String> configs = new TreeMap<>();
    boolean stdin;

    Args(String[] argv, int from) {
      for (int i = from; i < argv.length; i++) {
        String a = argv[i];
        if (a.equals("--stdin")) {
          stdin = true;
        } else if (a.startsWith("--")) {
          if (i + 1 >= argv.length) throw new Usage(a + " needs a value");
          String v = argv[++i];
          if (a.equals("--property") || a.equals("--config")) {
            int eq = v.indexOf('=');
            if (eq <= 0) throw new Usage(a + " wants key=value, got " + v);
            if (a.equals("--property")) properties.put(v.substring(0, eq), v.substring(eq + 1));
            else configs.put(v.substring(0, eq), v.substring(eq + 1));
          } else {
            options.put(a.substring(2), v);
          }
        } else {
          positional.add(a);
        }
      }
    }

    String at(int i, String what) {
      if (i >= positional.size()) throw new Usage("missing " + what);
      return positional.get(i);
    }

    String opt(String name, String fallback) {
      return options.getOrDefault(name, fallback);
    }
  }

  public static void main(String[] argv) {
    int code;
    try {
      if (argv.length < 2) throw new Usage("usage: produce|consume|admin <bootstrap> ...");
      String command = argv[0];
      Args args = new Args(argv, 2);
      args.properties.putIfAbsent("bootstrap.servers", argv[1]);
      args.properties.putIfAbsent("client.id", "gregor-java-" + command);
      switch (command) {
        case "produce" -> code = produce(args);
        case "consume" -> code = consume(args);
        case "admin" -> code = admin(args);
        case "read-all" -> code = readAll(args);
        case "eos-pipeline" -> code = eosPipeline(args);
        case "fence" -> code = fence(args);
        default -> throw new Usage("unknown command " + command);
      }
    } catch (Usage e) {
      System.err.println(e.getMessage());
      code = 2;
    } catch (Exception e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      emit(json("error", cause.getClass().getSimpleName() + ": " + cause.getMessage()));
      cause.printStackTrace();
      code = 1;
    }
    System.out.flush();
    System.exit(code);
  }

  // ---- produce ----

  private static int produce(Args args) throws Exception {
    String topic = args.at(0, "topic");
    List<String> values = new ArrayList<>();
    String valuePrefix = args.opt("value-prefix", "value-");
    if (args.stdin) {
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line = in.readLine(); line != null; line = in.readLine()) values.add(line);
    } else {
      int count = Integer.parseInt(args.at(1, "count"));
      for (int i = 0; i < count; i++) values.add(valuePrefix + i);
    }
    Properties p = args.properties;
    String acks = args.opt("acks", "all");
    p.putIfAbsent(ProducerConfig.ACKS_CONFIG, acks);
    p.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, args.opt("compression", "none"));
    // Idempotence needs acks=all; with weaker acks it defaults off rather than failing the config check.
    p.putIfAbsent(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, args.opt("idempotence", String.valueOf(acks.equals("all") || acks.equals("-1"))));
    p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
    // A missing topic or an unreachable broker should fail a test within seconds, not the default minutes.
    p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
    p.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
    p.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
    String keyPrefix = args.opt("key-prefix", "key-");
    Integer partition = args.options.containsKey("partition") ? Integer.valueOf(args.opt("partition", "0")) : null;

    List<Future<RecordMetadata>> sent = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < values.size(); i++) {
        String key = keyPrefix + i;
        keys.add(key);
        sent.add(producer.send(new ProducerRecord<>(topic, partition, key, values.get(i))));
      }
      producer.flush();
      int failed = 0;
      for (int i = 0; i < sent.size(); i++) {
        try {
          RecordMetadata m = sent.get(i).get();
          emit(json("partition", m.partition(), "offset", m.hasOffset() ? m.offset() : -1L, "key", keys.get(i), "value", values.get(i)));
        } catch (ExecutionException e) {
          failed++;
          emit(json("error", e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage(), "index", i));
        }
      }
      return failed == 0 ? 0 : 1;
    }
  }

  // ---- consume ----

  private static int consume(Args args) {
    String topic = args.at(0, "topic");
    String group = args.options.get("group");
    if (group == null) throw new Usage("consume needs --group");
    int max = Integer.parseInt(args.opt("max", "1"));
    long timeoutMs = Long.parseLong(args.opt("timeout-ms", "30000"));
    Properties p = args.properties;
    p.putIfAbsent(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, args.opt("offset-reset", "earliest"));
    p.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, args.opt("isolation", "read_uncommitted"));
    p.putIfAbsent(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(Math.max(1, max)));
    int seen = 0;
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      // The deadline bounds a run whose records never come; it is not a measurement.
      long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
      while (seen < max && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          if (seen >= max) break;
          Map<String, Object> headers = new TreeMap<>();
          for (Header h : r.headers()) headers.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
          emit(json("partition", r.partition(), "offset", r.offset(), "timestamp", r.timestamp(), "key", r.key(), "value", r.value(), "headers", headers));
          seen++;
        }
      }
      // Commits what was polled, which may be past `max` within the last batch: tests that resume a
      // group should consume whole batches.
      if (seen > 0) consumer.commitSync(Duration.ofSeconds(15));
    }
    return seen >= max ? 0 : 3;
  }

  // ---- read-all ----

  private static int readAll(Args args) {
    String topic = args.at(0, "topic");
    Properties p = args.properties;
    p.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, args.opt("isolation", "read_uncommitted"));
    p.putIfAbsent(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo pi : consumer.partitionsFor(topic, Duration.ofSeconds(30))) partitions.add(new TopicPartition(topic, pi.partition()));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      // endOffsets follows isolation.level: the high watermark, or the last stable offset under
      // read_committed, so reading stops at what this isolation level may see without waiting.
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + Long.parseLong(args.opt("timeout-ms", "60000")) * 1_000_000L;
      while (!reached(consumer, end)) {
        if (System.nanoTime() > deadline) {
          emit(json("error", "timed out before the end offsets " + end));
          return 3;
        }
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          emit(json("partition", r.partition(), "offset", r.offset(), "key", r.key(), "value", r.value()));
        }
      }
    }
    return 0;
  }

  private static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) return false;
    }
    return true;
  }

  // ---- eos-pipeline ----

  private static String required(Args args, String name) {
    String v = args.options.get(name);
    if (v == null) throw new Usage("needs --" + name);
    return v;
  }

  private static int eosPipeline(Args args) throws InterruptedException {
    String input = args.at(0, "input topic");
    String output = args.at(1, "output topic");
    String group = required(args, "group");
    String transactionalId = required(args, "transactional-id");
    long expect = Long.parseLong(required(args, "expect"));
    int batch = Integer.parseInt(args.opt("batch", "100"));
    long hangAfter = Long.parseLong(args.opt("hang-after", "-1"));

    Properties c = new Properties();
    c.putAll(args.properties);
    c.putIfAbsent(ConsumerConfig.GROUP_ID_CONFIG, group);
    c.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.putIfAbsent(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(batch));
    // A restarted pipeline replaces a member that could not leave (its broker was gone): the group
    // waits for the old member's session to expire, so keep it at the broker's minimum.
    c.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
    c.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000");

    Properties p = new Properties();
    p.putAll(args.properties);
    p.putIfAbsent(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
    p.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
    p.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");

    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer());
        KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      // Fences any earlier incarnation of this transactional.id and completes its open transaction.
      producer.initTransactions();
      emit(json("initialized", transactionalId));
      consumer.subscribe(List.of(input));
      long transactions = 0;
      // Input records committed so far, as this process knows them (positions after its last commit).
      long committed = 0;
      for (;;) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
        if (records.isEmpty()) {
          long total = committedTotal(consumer, input);
          if (total >= expect) {
            emit(json("done", total, "transactions", transactions));
            return 0;
          }
          continue;
        }
        try {
          producer.beginTransaction();
          Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
          for (ConsumerRecord<String, String> r : records) {
            producer.send(new ProducerRecord<>(output, r.key(), "out-" + r.value()));
            next.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
          }
          producer.sendOffsetsToTransaction(next, consumer.groupMetadata());
          if (hangAfter >= 0 && committed >= hangAfter) {
            producer.flush();
            emit(json("open", records.count()));
            Thread.sleep(Long.MAX_VALUE);
          }
          producer.commitTransaction();
          transactions++;
          committed = 0;
          for (TopicPartition tp : consumer.assignment()) committed += consumer.position(tp);
          emit(json("committed", committed, "records", records.count()));
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException | UnsupportedVersionException e) {
          // Fatal for this producer (KafkaProducer's javadoc): only a new instance may go on.
          throw e;
        } catch (KafkaException e) {
          emit(json("aborted", e.getClass().getSimpleName() + ": " + e.getMessage()));
          producer.abortTransaction();
          rewind(consumer);
        }
      }
    }
  }

  /** The group's committed offsets summed over the input's partitions (0 for a partition without one). */
  private static long committedTotal(KafkaConsumer<String, String> consumer, String topic) {
    Set<TopicPartition> all = new HashSet<>();
    for (PartitionInfo pi : consumer.partitionsFor(topic)) all.add(new TopicPartition(topic, pi.partition()));
    long total = 0;
    for (OffsetAndMetadata om : consumer.committed(all).values()) total += om == null ? 0 : om.offset();
    return total;
  }

  /** Back to the last committed offsets, so an aborted transaction's input is processed again. */
  private static void rewind(KafkaConsumer<String, String> consumer) {
    Set<TopicPartition> assigned = consumer.assignment();
    Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
    for (TopicPartition tp : assigned) {
      OffsetAndMetadata om = committed.get(tp);
      if (om == null) consumer.seekToBeginning(List.of(tp));
      else consumer.seek(tp, om.offset());
    }
  }

  // ---- fence ----

  private static int fence(Args args) {
    String topic = args.at(0, "topic");
    String transactionalId = required(args, "transactional-id");
    Properties p = args.properties;
    p.putIfAbsent(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
    p.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
    p.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
    Properties pa = new Properties();
    pa.putAll(p);
    pa.put("client.id", "gregor-java-fence-a");
    Properties pb = new Properties();
    pb.putAll(p);
    pb.put("client.id", "gregor-java-fence-b");
    try (KafkaProducer<String, String> a = new KafkaProducer<>(pa, new StringSerializer(), new StringSerializer());
        KafkaProducer<String, String> b = new KafkaProducer<>(pb, new StringSerializer(), new StringSerializer())) {
      a.initTransactions();
      a.beginTransaction();
      a.send(new ProducerRecord<>(topic, "a", "a-committed"));
      a.commitTransaction();
      emit(json("step", "a-committed"));
      b.initTransactions();
      emit(json("step", "b-initialized"));
      // A is now a zombie: its epoch is older than B's. Where the fencing surfaces (send, flush or
      // commit) depends on the transaction protocol version; every step is tried and reported.
      String sendError = null;
      String commitError = null;
      try {
        a.beginTransaction();
        a.send(new ProducerRecord<>(topic, "a", "a-zombie")).get();
      } catch (Exception e) {
        sendError = describe(e);
      }
      try {
        a.commitTransaction();
      } catch (Exception e) {
        commitError = describe(e);
      }
      // After an abortable error an application aborts and carries on; a fenced producer cannot.
      String abortError = null;
      try {
        a.abortTransaction();
      } catch (Exception e) {
        abortError = describe(e);
      }
      String againError = null;
      try {
        a.beginTransaction();
        a.send(new ProducerRecord<>(topic, "a", "a-zombie-again")).get();
        a.commitTransaction();
      } catch (Exception e) {
        againError = describe(e);
      }
      emit(json("step", "a-zombie", "sendError", sendError, "commitError", commitError, "abortError", abortError, "againError", againError));
      b.beginTransaction();
      b.send(new ProducerRecord<>(topic, "b", "b-committed"));
      b.commitTransaction();
      emit(json("step", "b-committed"));
      a.close(Duration.ZERO);
    }
    return 0;
  }

  /** The exception's class, and its cause's when it wraps one (ExecutionException, KafkaException). */
  private static String describe(Throwable e) {
    Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
    String s = t.getClass().getSimpleName();
    if (t.getCause() != null && t.getCause() != t) s += " caused by " + t.getCause().getClass().getSimpleName();
    return s;
  }

  // ---- admin ----

  private static int admin(Args args) throws Exception {
    String op = args.at(0, "admin operation");
    Properties p = args.properties;
    p.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    p.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
    try (Admin admin = Admin.create(p)) {
      switch (op) {
        case "create-topic" -> {
          String topic = args.at(1, "topic");
          NewTopic t = new NewTopic(topic, Integer.parseInt(args.opt("partitions", "1")), Short.parseShort(args.opt("replication-factor", "1")));
          t.configs(args.configs);
          admin.createTopics(List.of(t)).all().get();
          emit(json("created", topic));
        }
        case "delete-topic" -> {
          String topic = args.at(1, "topic");
          admin.deleteTopics(List.of(topic)).all().get();
          emit(json("deleted", topic));
        }
        case "list-topics" -> {
          for (String name : new TreeMap<>(admin.listTopics().namesToListings().get()).keySet()) emit(json("topic", name));
        }
        case "describe-cluster" -> {
          DescribeClusterResult c = admin.describeCluster();
          List<Object> nodes = new ArrayList<>();
          for (Node n : c.nodes().get()) nodes.add(node(n));
          Node controller = c.controller().get();
          emit(json("clusterId", c.clusterId().get(), "controller", controller == null ? null : controller.id(), "nodes", nodes));
        }
        case "describe-topic" -> {
          String topic = args.at(1, "topic");
          TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
          List<Object> partitions = new ArrayList<>();
          for (TopicPartitionInfo pi : d.partitions()) {
            partitions.add(json("partition", pi.partition(), "leader", pi.leader() == null ? null : pi.leader().id(),
                "replicas", ids(pi.replicas()), "isr", ids(pi.isr())));
          }
          emit(json("topic", d.name(), "topicId", d.topicId().toString(), "internal", d.isInternal(), "partitions", partitions));
        }
        case "describe-configs" -> {
          String kind = args.at(1, "topic|broker");
          ConfigResource.Type type = switch (kind) {
            case "topic" -> ConfigResource.Type.TOPIC;
            case "broker" -> ConfigResource.Type.BROKER;
            default -> throw new Usage("describe-configs topic|broker <name>");
          };
          ConfigResource resource = new ConfigResource(type, args.at(2, "name"));
          Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
          Map<String, Object> entries = new TreeMap<>();
          for (ConfigEntry e : config.entries()) {
            entries.put(e.name(), json("value", e.value(), "source", e.source().name(), "readOnly", e.isReadOnly(), "sensitive", e.isSensitive()));
          }
          emit(json("resource", resource.name(), "configs", entries));
        }
        case "list-offsets" -> {
          String topic = args.at(1, "topic");
          String which = args.at(2, "earliest|latest|max-timestamp");
          OffsetSpec spec = switch (which) {
            case "earliest" -> OffsetSpec.earliest();
            case "latest" -> OffsetSpec.latest();
            case "max-timestamp" -> OffsetSpec.maxTimestamp();
            default -> throw new Usage("list-offsets <topic> earliest|latest|max-timestamp");
          };
          TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
          Map<TopicPartition, OffsetSpec> request = new HashMap<>();
          for (TopicPartitionInfo pi : d.partitions()) request.put(new TopicPartition(topic, pi.partition()), spec);
          Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> result = admin.listOffsets(request).all().get();
          for (TopicPartitionInfo pi : d.partitions()) {
            ListOffsetsResult.ListOffsetsResultInfo info = result.get(new TopicPartition(topic, pi.partition()));
            emit(json("partition", pi.partition(), "offset", info.offset(), "timestamp", info.timestamp()));
          }
        }
        default -> throw new Usage("unknown admin operation " + op);
      }
    }
    return 0;
  }

  private static Map<String, Object> node(Node n) {
    return json("id", n.id(), "host", n.host(), "port", n.port(), "rack", n.rack());
  }

  private static List<Object> ids(Collection<Node> nodes) {
    List<Object> out = new ArrayList<>();
    for (Node n : nodes) out.add(n.id());
    return out;
  }

  // ---- JSON: a few lines here spare the harness a JSON library on the classpath ----

  /** An ordered JSON object from alternating names and values. */
  private static Map<String, Object> json(Object... kv) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i + 1 < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
    return m;
  }

  private static synchronized void emit(Map<String, Object> object) {
    StringBuilder sb = new StringBuilder();
    write(sb, object);
    System.out.println(sb);
  }

  private static void write(StringBuilder sb, Object v) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof String s) {
      quote(sb, s);
    } else if (v instanceof Number || v instanceof Boolean) {
      sb.append(v);
    } else if (v instanceof Map<?, ?> m) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) sb.append(',');
        first = false;
        quote(sb, String.valueOf(e.getKey()));
        sb.append(':');
        write(sb, e.getValue());
      }
      sb.append('}');
    } else if (v instanceof Collection<?> c) {
      sb.append('[');
      boolean first = true;
      for (Object o : c) {
        if (!first) sb.append(',');
        first = false;
        write(sb, o);
      }
      sb.append(']');
    } else {
      quote(sb, v.toString());
    }
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
          else sb.append(c);
        }
      }
    }
    sb.append('"');
  }
}
