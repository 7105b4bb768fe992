// Drives franz-go (kgo and kadm) for franz-go.test.ts, as client.py does for the Python clients.
//
// Reads one JSON object on stdin, {"bootstrap", "step", ...}, and prints one JSON object on stdout.
// Steps:
//   - "produce": kgo's producer (idempotent, its default) writes `count` keyed records to partition 0
//     of `topic` with codec `codec` and timestamps baseTimestamp + 10*i; a second client reads the
//     partition back from the start.
//   - "lookup": kadm's ListOffsetsAfterMilli for each of `timestamps`, and the start and end offsets.
//   - "configs": kadm creates `topic` with retention.ms set, alters it incrementally (set one, delete
//     one) and describes it after each step.
//   - "static": a group member with InstanceID `instanceId` joins `group` (subscribed to `topic`),
//     waits for its assignment and reports its generation, then closes; a static member's close
//     sends no LeaveGroup (KIP-345), so a restart with the same id must not cause a rebalance.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

type request struct {
	Bootstrap     string  `json:"bootstrap"`
	Step          string  `json:"step"`
	Topic         string  `json:"topic"`
	Codec         string  `json:"codec"`
	Count         int     `json:"count"`
	BaseTimestamp int64   `json:"baseTimestamp"`
	Timestamps    []int64 `json:"timestamps"`
	Group         string  `json:"group"`
	InstanceID    string  `json:"instanceId"`
}

type record struct {
	Offset    int64  `json:"offset"`
	Key       string `json:"key"`
	Value     string `json:"value"`
	Timestamp int64  `json:"timestamp"`
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out any
	var err error
	switch req.Step {
	case "produce":
		out, err = produce(ctx, req)
	case "lookup":
		out, err = lookup(ctx, req)
	case "configs":
		out, err = configs(ctx, req)
	case "static":
		out, err = static(ctx, req)
	default:
		err = fmt.Errorf("unknown step %q", req.Step)
	}
	if err != nil {
		fail(err)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func codec(name string) (kgo.CompressionCodec, error) {
	switch name {
	case "none":
		return kgo.NoCompression(), nil
	case "gzip":
		return kgo.GzipCompression(), nil
	case "snappy":
		return kgo.SnappyCompression(), nil
	case "lz4":
		return kgo.Lz4Compression(), nil
	case "zstd":
		return kgo.ZstdCompression(), nil
	}
	return kgo.NoCompression(), fmt.Errorf("unknown codec %q", name)
}

func produce(ctx context.Context, req request) (any, error) {
	c, err := codec(req.Codec)
	if err != nil {
		return nil, err
	}
	producer, err := kgo.NewClient(kgo.SeedBrokers(req.Bootstrap), kgo.ProducerBatchCompression(c), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		return nil, err
	}
	defer producer.Close()
	records := make([]*kgo.Record, req.Count)
	for i := range records {
		records[i] = &kgo.Record{
			Topic:     req.Topic,
			Partition: 0,
			Key:       []byte(fmt.Sprintf("%s-k%d", req.Codec, i)),
			Value:     []byte(fmt.Sprintf("%s value %d %s", req.Codec, i, strings.Repeat("fg", i%40))),
			Timestamp: time.UnixMilli(req.BaseTimestamp + int64(10*i)),
		}
	}
	results := producer.ProduceSync(ctx, records...)
	if err := results.FirstErr(); err != nil {
		return nil, fmt.Errorf("produce: %w", err)
	}
	offsets := make([]int64, len(results))
	for i, r := range results {
		offsets[i] = r.Record.Offset
	}
	producerID := records[0].ProducerID

	consumer, err := kgo.NewClient(kgo.SeedBrokers(req.Bootstrap), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{req.Topic: {0: kgo.NewOffset().AtStart()}}))
	if err != nil {
		return nil, err
	}
	defer consumer.Close()
	var read []record
	for len(read) < req.Count {
		fetches := consumer.PollFetches(ctx)
		if errs := fetches.Errors(); len(errs) > 0 {
			return nil, fmt.Errorf("fetch: %v", errs[0].Err)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			read = append(read, record{Offset: r.Offset, Key: string(r.Key), Value: string(r.Value), Timestamp: r.Timestamp.UnixMilli()})
		})
	}
	return map[string]any{"offsets": offsets, "producerId": producerID, "records": read}, nil
}

// admin is a kadm client on a kgo client of its own (kadm's Close closes that client).
func admin(bootstrap string) (*kadm.Client, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap))
	if err != nil {
		return nil, err
	}
	return kadm.NewClient(cl), nil
}

func lookup(ctx context.Context, req request) (any, error) {
	adm, err := admin(req.Bootstrap)
	if err != nil {
		return nil, err
	}
	defer adm.Close()
	offsetAt := func(listed kadm.ListedOffsets, err error) (int64, error) {
		if err != nil {
			return 0, err
		}
		o, ok := listed.Lookup(req.Topic, 0)
		if !ok {
			return 0, fmt.Errorf("no offset listed for %s/0", req.Topic)
		}
		return o.Offset, o.Err
	}
	start, err := offsetAt(adm.ListStartOffsets(ctx, req.Topic))
	if err != nil {
		return nil, err
	}
	end, err := offsetAt(adm.ListEndOffsets(ctx, req.Topic))
	if err != nil {
		return nil, err
	}
	after := make([]int64, len(req.Timestamps))
	for i, ts := range req.Timestamps {
		if after[i], err = offsetAt(adm.ListOffsetsAfterMilli(ctx, ts, req.Topic)); err != nil {
			return nil, err
		}
	}
	return map[string]any{"start": start, "end": end, "after": after}, nil
}

// topicOverrides are the topic's configs set on the topic itself, name → value.
func topicOverrides(ctx context.Context, adm *kadm.Client, topic string) (map[string]string, error) {
	described, err := adm.DescribeTopicConfigs(ctx, topic)
	if err != nil {
		return nil, err
	}
	rc, err := described.On(topic, nil)
	if err != nil {
		return nil, err
	}
	if rc.Err != nil {
		return nil, rc.Err
	}
	out := map[string]string{}
	for _, c := range rc.Configs {
		if c.Source.String() == "DYNAMIC_TOPIC_CONFIG" && c.Value != nil {
			out[c.Key] = *c.Value
		}
	}
	return out, nil
}

func configs(ctx context.Context, req request) (any, error) {
	adm, err := admin(req.Bootstrap)
	if err != nil {
		return nil, err
	}
	defer adm.Close()
	retention := "3600000"
	created, err := adm.CreateTopic(ctx, 1, 1, map[string]*string{"retention.ms": &retention}, req.Topic)
	if err != nil {
		return nil, err
	}
	if created.Err != nil {
		return nil, created.Err
	}
	before, err := topicOverrides(ctx, adm, req.Topic)
	if err != nil {
		return nil, err
	}
	compact := "compact"
	altered, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{
		{Op: kadm.SetConfig, Name: "cleanup.policy", Value: &compact},
		{Op: kadm.DeleteConfig, Name: "retention.ms"},
	}, req.Topic)
	if err != nil {
		return nil, err
	}
	for _, a := range altered {
		if a.Err != nil {
			return nil, a.Err
		}
	}
	after, err := topicOverrides(ctx, adm, req.Topic)
	if err != nil {
		return nil, err
	}
	return map[string]any{"before": before, "after": after}, nil
}

func static(ctx context.Context, req request) (any, error) {
	assigned := make(chan []int32, 1)
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(req.Bootstrap),
		kgo.ConsumerGroup(req.Group),
		kgo.ConsumeTopics(req.Topic),
		kgo.InstanceID(req.InstanceID),
		kgo.SessionTimeout(30*time.Second),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			ps := append([]int32(nil), m[req.Topic]...)
			sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
			select {
			case assigned <- ps:
			default:
			}
		}),
	)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	// Polling drives the join; the assignment callback runs inside a poll.
	for {
		select {
		case ps := <-assigned:
			memberID, generation := cl.GroupMetadata()
			return map[string]any{"partitions": ps, "generation": generation, "memberId": memberID}, nil
		default:
		}
		pollCtx, cancelPoll := context.WithTimeout(ctx, 200*time.Millisecond)
		cl.PollFetches(pollCtx)
		cancelPoll()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("no assignment: %w", ctx.Err())
		}
	}
}
