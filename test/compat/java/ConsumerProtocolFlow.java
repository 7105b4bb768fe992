// One KIP-848 consumer-group flow with the Java client (kafka-clients, group.protocol=consumer), run in
// one JVM with one thread per consumer. Prints one JSON line per phase on stdout; the test asserts on
// them. The file name breaks the project's kebab-case rule because javac requires it.
//
//   <bootstrap> <topic> <group> [--assignor uniform|range]
//
// Phases: create a 6-partition topic and produce 10 records to each partition; two consumers, then a
// third, each reach a stable assignment; all 60 records are consumed and committed; Admin describes the
// group (ConsumerGroupDescribe); the third consumer leaves and the other two take its partitions;
// the committed offsets are listed; 6 more records are produced and a fresh consumer in the same group
// reads exactly those (it starts from the committed offsets). While any consumer runs, every partition
// must be owned by at most one of them: ownership is tracked inside the rebalance callbacks, which the
// client runs before it acknowledges a revocation, so an overlap is a protocol bug ("overlaps" count).
// Exit codes: 0 done, 1 a phase failed (printed as {"error": ...}).
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public final class ConsumerProtocolFlow {
  private ConsumerProtocolFlow() {}

  private static final int PARTITIONS = 6;
  private static final long PHASE_TIMEOUT_MS = 60_000;

  /** partition → name of the consumer owning it, maintained by the rebalance callbacks. */
  private static final Map<Integer, String> OWNER = new ConcurrentHashMap<>();
  private static final AtomicInteger OVERLAPS = new AtomicInteger();

  private static String bootstrap;
  private static String topic;
  private static String group;
  private static String assignor;

  /** One consumer on its own thread: polls, commits after every non-empty poll, closes (leaves) on stop. */
  private static final class Worker extends Thread {
    final String label;
    final Set<Integer> owned = ConcurrentHashMap.newKeySet();
    final List<String> values = java.util.Collections.synchronizedList(new ArrayList<>());
    volatile boolean stopping;
    volatile Throwable failure;

    Worker(String label) {
      super(label);
      this.label = label;
    }

    @Override
    public void run() {
      Properties p = new Properties();
      p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
      p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
      if (assignor != null) p.put(ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG, assignor);
      p.put(ConsumerConfig.CLIENT_ID_CONFIG, label);
      p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
      p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
      try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
        consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
          @Override
          public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            release(partitions);
          }

          @Override
          public void onPartitionsLost(Collection<TopicPartition> partitions) {
            release(partitions);
          }

          @Override
          public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
              String previous = OWNER.putIfAbsent(tp.partition(), label);
              if (previous != null && !previous.equals(label)) {
                OVERLAPS.incrementAndGet();
                emit(json("overlap", tp.partition(), "owner", previous, "claimedBy", label));
              }
              owned.add(tp.partition());
            }
          }

          private void release(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
              owned.remove(tp.partition());
              OWNER.remove(tp.partition(), label);
            }
          }
        });
        while (!stopping) {
          var records = consumer.poll(Duration.ofMillis(100));
          for (ConsumerRecord<String, String> r : records) values.add(r.value());
          if (!records.isEmpty()) consumer.commitSync();
        }
        // close() below leaves the group (member epoch -1); the revocation callback releases first.
      } catch (Throwable t) {
        failure = t;
      }
    }

    void shutdown() throws InterruptedException {
      stopping = true;
      join(30_000);
      if (isAlive()) throw new IllegalStateException(label + " did not close within 30 s");
      if (failure != null) throw new IllegalStateException(label + " failed: " + failure, failure);
    }
  }

  public static void main(String[] argv) {
    if (argv.length < 3) {
      System.err.println("usage: <bootstrap> <topic> <group> [--assignor uniform|range]");
      System.exit(2);
    }
    bootstrap = argv[0];
    topic = argv[1];
    group = argv[2];
    if (argv.length >= 5 && argv[3].equals("--assignor")) assignor = argv[4];
    try {
      run();
      System.exit(0);
    } catch (Throwable t) {
      t.printStackTrace();
      emit(json("error", String.valueOf(t)));
      System.exit(1);
    }
  }

  private static void run() throws Exception {
    Properties ap = new Properties();
    ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(ap)) {
      admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
      produce("before", 10);

      Worker c1 = start("c1");
      Worker c2 = start("c2");
      List<Worker> live = new ArrayList<>(List.of(c1, c2));
      awaitStable("two-members", live);
      Worker c3 = start("c3");
      live.add(c3);
      awaitStable("three-members", live);
      await("consumed", () -> consumed(live).size() == PARTITIONS * 10);
      emit(json("phase", "consumed", "distinct", consumed(live).size()));

      ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
      List<Object> members = new ArrayList<>();
      for (MemberDescription m : d.members()) {
        members.add(json("clientId", m.clientId(), "partitions", m.assignment().topicPartitions().size(), "memberEpoch", m.memberEpoch().orElse(-1)));
      }
      emit(json("phase", "describe", "type", String.valueOf(d.type()), "state", String.valueOf(d.groupState()), "groupEpoch", d.groupEpoch().orElse(-1),
          "assignmentEpoch", d.targetAssignmentEpoch().orElse(-1), "members", members));

      c3.shutdown();
      live.remove(c3);
      awaitStable("after-leave", live);
      c1.shutdown();
      c2.shutdown();

      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      Map<String, Object> offsets = new TreeMap<>();
      for (var e : committed.entrySet()) offsets.put(String.valueOf(e.getKey().partition()), e.getValue().offset());
      emit(json("phase", "committed", "offsets", offsets));

      produce("after", 1);
      Worker c4 = start("c4");
      awaitStable("restarted", List.of(c4));
      await("restart-consumed", () -> c4.values.size() >= PARTITIONS);
      // Any record before the committed offsets would arrive in the same polls; give it a moment.
      Thread.sleep(1_000);
      List<String> after;
      synchronized (c4.values) {
        after = new ArrayList<>(c4.values);
      }
      after.sort(null);
      emit(json("phase", "restart-consumed", "values", after));
      c4.shutdown();
      emit(json("phase", "done", "overlaps", OVERLAPS.get()));
    }
  }

  private static void produce(String prefix, int perPartition) throws Exception {
    Properties pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp)) {
      for (int p = 0; p < PARTITIONS; p++) {
        for (int i = 0; i < perPartition; i++) producer.send(new ProducerRecord<>(topic, p, null, prefix + "-" + p + "-" + i));
      }
      producer.flush();
    }
  }

  private static Worker start(String label) {
    Worker w = new Worker(label);
    w.setDaemon(true);
    w.start();
    return w;
  }

  private static Set<String> consumed(List<Worker> workers) {
    Set<String> all = new TreeSet<>();
    for (Worker w : workers) {
      synchronized (w.values) {
        all.addAll(w.values);
      }
    }
    return all;
  }

  /**
   * Every partition owned by exactly one of `workers` and the counts balanced (the uniform assignor's
   * target); then prints who owns what. Balance is part of the wait because KIP-848 reconciles
   * incrementally: a partition revoked from one member reaches the newcomer a heartbeat later, so
   * 3/2/1 is a legal moment on the way to 2/2/2 (seen against Kafka 4.3). A broker that never
   * balances times the wait out, which fails the test.
   */
  private static void awaitStable(String phase, List<Worker> workers) throws InterruptedException {
    long start = System.nanoTime();
    await(phase, () -> {
      int total = 0;
      Set<Integer> union = new TreeSet<>();
      for (Worker w : workers) {
        if (w.failure != null) throw new IllegalStateException(w.label + " failed: " + w.failure, w.failure);
        if (w.owned.isEmpty()) return false;
        total += w.owned.size();
        union.addAll(w.owned);
      }
      int min = Integer.MAX_VALUE, max = 0;
      for (Worker w : workers) {
        min = Math.min(min, w.owned.size());
        max = Math.max(max, w.owned.size());
      }
      return total == PARTITIONS && union.size() == PARTITIONS && max - min <= 1;
    });
    Map<String, Object> owners = new TreeMap<>();
    for (Worker w : workers) owners.put(w.label, new ArrayList<>(new TreeSet<>(w.owned)));
    emit(json("phase", phase, "owners", owners, "overlaps", OVERLAPS.get(), "ms", (System.nanoTime() - start) / 1_000_000));
  }

  private static void await(String phase, BooleanSupplier done) throws InterruptedException {
    long deadline = System.currentTimeMillis() + PHASE_TIMEOUT_MS;
    while (!done.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) throw new IllegalStateException("phase " + phase + " did not complete within " + PHASE_TIMEOUT_MS + " ms");
      Thread.sleep(50);
    }
  }

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
    System.out.flush();
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
        default -> {
          if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
          else sb.append(c);
        }
      }
    }
    sb.append('"');
  }
}
