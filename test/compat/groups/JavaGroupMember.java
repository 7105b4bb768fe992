// A long-running Java kafka-clients group member (classic protocol) for the member-process group
// tests, the Java twin of confluent_member.py: the same event lines on stdout, one JSON object each,
// flushed as they happen. The file name breaks the project's kebab-case rule because javac requires a
// public class's file to carry its name.
//
//   JavaGroupMember <bootstrap> <topic> <group> <client-id> [--assignor class] [--instance id]
//                   [--session-ms n] [--commit manual|auto]
//
// Events: ready, assign {parts} (onPartitionsAssigned: only the added partitions under the
// cooperative protocol), revoke {parts} (onPartitionsRevoked; onPartitionsLost adds "lost": true),
// rec {p, o, k}, commit {p, o} (a confirmed commit: the next offset), commit-failed {error}, closed.
// It runs until its standard input ends, then closes the consumer (LeaveGroup unless static).
import java.io.InputStream;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

public final class JavaGroupMember {
  private JavaGroupMember() {}

  private static synchronized void emit(String json) {
    System.out.println(json);
    System.out.flush();
  }

  private static String parts(Collection<TopicPartition> partitions) {
    StringBuilder sb = new StringBuilder("[");
    partitions.stream().map(TopicPartition::partition).sorted().forEach(p -> sb.append(sb.length() > 1 ? "," : "").append(p));
    return sb.append(']').toString();
  }

  private static String str(String s) {
    if (s == null) return "null";
    return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  public static void main(String[] argv) throws Exception {
    if (argv.length < 4) {
      System.err.println("usage: JavaGroupMember <bootstrap> <topic> <group> <client-id> [--assignor c] [--instance id] [--session-ms n] [--commit manual|auto]");
      System.exit(2);
    }
    Map<String, String> opts = new HashMap<>();
    for (int i = 4; i + 1 < argv.length; i += 2) opts.put(argv[i].substring(2), argv[i + 1]);
    String topic = argv[1];
    boolean manual = opts.getOrDefault("commit", "manual").equals("manual");

    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, argv[0]);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, argv[2]);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, argv[3]);
    p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, String.valueOf(!manual));
    p.put(ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, "200");
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, opts.getOrDefault("session-ms", "10000"));
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
    p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, opts.getOrDefault("assignor", "org.apache.kafka.clients.consumer.RangeAssignor"));
    if (opts.containsKey("instance")) p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, opts.get("instance"));

    // Standard input ending is the signal to leave (a test closes the pipe; SIGKILL is a crash).
    AtomicBoolean stop = new AtomicBoolean(false);
    KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    Thread stdin = new Thread(() -> {
      try {
        InputStream in = System.in;
        while (in.read() >= 0) {
          // Any input is ignored; only its end matters.
        }
      } catch (Exception e) {
        // Treated like the end of input.
      }
      stop.set(true);
      consumer.wakeup();
    });
    stdin.setDaemon(true);
    stdin.start();

    // Read but not yet committed: retried after each poll until a commit succeeds, since a failed
    // commit (a rebalance in progress) is otherwise never repeated once the partition goes quiet.
    // Dropped for partitions that leave this member: their next owner reads them again.
    Map<TopicPartition, OffsetAndMetadata> pending = new TreeMap<>((a, b) -> Integer.compare(a.partition(), b.partition()));
    consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        pending.keySet().removeAll(partitions);
        if (!partitions.isEmpty()) emit("{\"ev\":\"revoke\",\"parts\":" + parts(partitions) + "}");
      }

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        emit("{\"ev\":\"assign\",\"parts\":" + parts(partitions) + "}");
      }

      @Override
      public void onPartitionsLost(Collection<TopicPartition> partitions) {
        pending.keySet().removeAll(partitions);
        if (!partitions.isEmpty()) emit("{\"ev\":\"revoke\",\"lost\":true,\"parts\":" + parts(partitions) + "}");
      }
    });
    emit("{\"ev\":\"ready\"}");
    try {
      while (!stop.get()) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          emit("{\"ev\":\"rec\",\"p\":" + r.partition() + ",\"o\":" + r.offset() + ",\"k\":" + str(r.key()) + "}");
          pending.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
        }
        if (manual && !pending.isEmpty()) {
          try {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(pending);
            consumer.commitSync(offsets, Duration.ofSeconds(15));
            for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
              emit("{\"ev\":\"commit\",\"p\":" + e.getKey().partition() + ",\"o\":" + e.getValue().offset() + "}");
              if (e.getValue().equals(pending.get(e.getKey()))) pending.remove(e.getKey());
            }
          } catch (KafkaException e) {
            // RebalanceInProgressException, CommitFailedException: these records stay in the
            // at-least-once window for the next owner.
            if (e instanceof org.apache.kafka.common.errors.WakeupException) throw e;
            emit("{\"ev\":\"commit-failed\",\"error\":" + str(e.toString()) + "}");
          }
        }
      }
    } catch (org.apache.kafka.common.errors.WakeupException e) {
      // stdin ended while polling.
    }
    consumer.close();
    emit("{\"ev\":\"closed\"}");
  }
}
