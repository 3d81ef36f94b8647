package org.lactspark.data.prepare;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.lactspark.conf.PrepareConfig;
import org.lactspark.data.dataset.Manifest;
import org.lactspark.data.dataset.ShardFormat;
import org.lactspark.data.hadoop.HadoopFiles;
import org.lactspark.data.hadoop.TokenizerFiles;
import org.lactspark.data.source.InputFile;
import org.lactspark.data.source.InputListing;
import org.lactspark.data.tokenize.Tokenizer;
import org.lactspark.data.tokenize.TokenizerSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * The prepare job: input files to a dataset directory of packed, sharded token sequences and its
 * manifest. Everything that can be checked is checked on the driver before any Spark job runs
 * (the inputs exist, the tokenizer loads, the output may be written). Then:
 * <ol>
 *   <li>each file is read and tokenised; each document gets its split and shuffle order from its
 *       content hash ({@link DocumentTokenizer});</li>
 *   <li>the pieces are range-partitioned by that order and sorted, which is the seeded global
 *       shuffle; each partition is counted, and the driver turns the counts into every partition's
 *       start offset ({@link Layout});</li>
 *   <li>each partition packs its pieces into sequence fragments ({@link Packer}); fragments are
 *       grouped by shard, joined and written ({@link ShardAssembler}), each shard atomically;</li>
 *   <li>the manifest is written last.</li>
 * </ol>
 * The output depends only on the inputs and the configuration, not on partitioning or scheduling:
 * equal runs write byte-identical shards and manifests.
 */
public final class PrepareJob {
  private static final Logger LOG = LoggerFactory.getLogger(PrepareJob.class);

  /** Manifest keys left out: run settings that do not change the dataset. */
  private static final List<String> NOT_RECORDED = List.of("partitions");

  private final PrepareConfig config;
  private final TokenizerSpec tokenizer;

  /** A job of {@code config}, tokenising with {@code tokenizer}. */
  public PrepareJob(PrepareConfig config, TokenizerSpec tokenizer) {
    this.config = config;
    this.tokenizer = tokenizer;
  }

  /**
   * The tokenizer {@code config} names: the byte tokenizer, or a tokenizer.json read from any
   * Hadoop filesystem (and checked by loading it).
   *
   * @throws org.lactspark.conf.ConfigException naming the key if the file cannot be read or is not a tokenizer
   */
  public static TokenizerSpec tokenizerFor(PrepareConfig config, Configuration conf) {
    return TokenizerFiles.load(config.tokenizer(), config.bos(), config.eos(), config.bosToken(), config.eosToken(),
        config.sources().getOrDefault("tokenizer", "configuration"), conf);
  }

  /**
   * Runs the job.
   *
   * @param output the dataset directory (any Hadoop URI)
   * @param overwrite whether an output directory that holds anything may be replaced
   * @param progress called every {@code progressSeconds} and at the end
   * @throws BadInputFailure at bad input under {@code onBadInput=fail}
   * @throws IOException if an input is missing, the output is refused, or a file operation fails
   */
  public PrepareResult run(JavaSparkContext sc, String output, boolean overwrite, Consumer<PrepareProgress> progress,
      double progressSeconds) throws IOException {
    long t0 = System.nanoTime();
    Configuration hconf = sc.hadoopConfiguration();
    List<InputFile> files = InputListing.list(config.inputs(), config.inputFormat(), hconf);
    Tokenizer tok = tokenizer.open();
    Manifest.Tokenizer identity = tokenizer.identity();
    int tokenBytes = ShardFormat.tokenBytesFor(tok.vocabSize());
    Path outPath = new Path(output);
    FileSystem fs = outPath.getFileSystem(hconf);
    Path out = fs.makeQualified(outPath);
    HadoopFiles.prepareOutput(fs, out, overwrite);
    LOG.info("prepare: {} input files, tokenizer {} ({} ids), output {}", files.size(), identity.name(),
        identity.vocabSize(), out);

    SparkStages.Counters counters = new SparkStages.Counters(sc.sc());
    long totalBytes = files.stream().mapToLong(InputFile::length).sum();
    Progress poll = new Progress(counters, files.size(), totalBytes, t0, progress);
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "lact-prepare-progress");
      t.setDaemon(true);
      return t;
    });
    long period = Math.max(100, (long) (progressSeconds * 1000));
    timer.scheduleAtFixedRate(poll::report, period, period, TimeUnit.MILLISECONDS);
    boolean done = false;
    try {
      Manifest manifest = make(sc, files, out, tokenBytes, identity, counters, poll);
      HadoopFiles.writeManifest(fs, out, manifest);
      done = true;
      poll.stage.set("done");
      poll.report();
      double seconds = (System.nanoTime() - t0) / 1e9;
      return new PrepareResult(out.toString(), manifest, files.size(), totalBytes, counters.chars.value(),
          counters.blanks.value(), counters.problems.value(), seconds);
    } finally {
      timer.shutdownNow();
      if (!done) {
        clearOutput(fs, out);
      }
    }
  }

  private Manifest make(JavaSparkContext sc, List<InputFile> files, Path out, int tokenBytes,
      Manifest.Tokenizer identity, SparkStages.Counters counters, Progress poll) throws IOException {
    int length = config.sequenceLength();
    int partitions = config.partitions() > 0 ? config.partitions() : sc.defaultParallelism();
    org.lactspark.data.hadoop.SerializableConf conf = new org.lactspark.data.hadoop.SerializableConf(sc.hadoopConfiguration());
    poll.stage.set("reading");
    JavaPairRDD<DocumentKey, DocumentPiece> pieces = sc.parallelize(files, Math.min(files.size(), 4 * partitions))
        .flatMapToPair(new SparkStages.Tokenize(config, sc.broadcast(tokenizer), conf, counters))
        .repartitionAndSortWithinPartitions(new SparkStages.OrderPartitioner(partitions))
        .persist(StorageLevel.MEMORY_AND_DISK()); // read twice (count, pack): kept deserialised
    try {
      List<Packer.Counts> counts = pieces.mapPartitionsWithIndex(new SparkStages.Count(length), true).collect()
          .stream().sorted(Comparator.comparing(Tuple2::_1)).map(Tuple2::_2).toList();
      long perShard = Layout.perShard(config.shardMiB(), length, tokenBytes);
      Layout layout = Layout.of(counts, length, config.documentPacking(), perShard);
      if (layout.sequences()[Split.TRAIN.ordinal()] == 0) {
        throw new IOException("no training documents: the inputs (" + files.size() + " files) hold no text that "
            + "became tokens" + (counters.problems.value().total() > 0 ? " (bad input left out: "
            + counters.problems.value().counts() + ")" : ""));
      }
      poll.shards.set(layout.shardCount());
      poll.stage.set("packing");
      List<SparkStages.Written> written = pieces
          .mapPartitionsWithIndex(new SparkStages.Pack(length, config.documentPacking(), layout), true)
          .mapToPair(t -> t)
          .repartitionAndSortWithinPartitions(new SparkStages.ShardPartitioner(layout))
          .mapPartitionsWithIndex(new SparkStages.WriteShard(layout, out.toString(), conf, tokenBytes, length,
              config.documentPacking(), counters.shards), true)
          .collect();
      return manifest(layout, written, identity, tokenBytes, counters);
    } finally {
      pieces.unpersist(false);
    }
  }

  private Manifest manifest(Layout layout, List<SparkStages.Written> written, Manifest.Tokenizer identity,
      int tokenBytes, SparkStages.Counters counters) throws IOException {
    if (written.size() != layout.shardCount()) {
      throw new IOException("expected " + layout.shardCount() + " shards, " + written.size() + " were written");
    }
    Map<String, List<Manifest.Shard>> splits = new LinkedHashMap<>();
    for (Split s : Split.values()) {
      splits.put(s.id(), new ArrayList<>());
    }
    written.stream().sorted(Comparator.comparingInt(SparkStages.Written::shard)).forEach(w -> splits
        .get(Split.values()[layout.splitOf(w.shard())].id()).add(new Manifest.Shard(w.file(), w.records(), w.tokens(),
            w.bytes(), w.sha256())));
    long documents = 0;
    long tokens = 0;
    long sequences = 0;
    for (Split s : Split.values()) {
      documents += layout.documents()[s.ordinal()];
      tokens += layout.tokens()[s.ordinal()];
      sequences += layout.sequences()[s.ordinal()];
    }
    Map<String, String> recorded = new LinkedHashMap<>(config.asText());
    Map<String, String> sources = new LinkedHashMap<>(config.sources());
    NOT_RECORDED.forEach(k -> {
      recorded.remove(k);
      sources.remove(k);
    });
    Map<String, Long> skipped = new LinkedHashMap<>(counters.problems.value().counts());
    skipped.put("blank", counters.blanks.value());
    return new Manifest(ShardFormat.VERSION, recorded, sources, identity, config.sequenceLength(), tokenBytes, splits,
        new Manifest.Counts(documents, tokens, sequences, sequences * config.sequenceLength() - tokens), skipped);
  }

  /** After a failed run: nothing that looks like a dataset, nothing half-written. */
  private static void clearOutput(FileSystem fs, Path out) {
    try {
      if (fs.exists(out)) {
        for (org.apache.hadoop.fs.FileStatus s : fs.listStatus(out)) {
          fs.delete(s.getPath(), true);
        }
      }
    } catch (IOException e) {
      LOG.warn("could not clear the output {} after a failed run: {}", out, e.toString());
    }
  }

  /** Polls the counters for the progress callback. */
  private static final class Progress {
    final AtomicReference<String> stage = new AtomicReference<>("starting");
    final AtomicLong shards = new AtomicLong();
    private final SparkStages.Counters counters;
    private final long files;
    private final long bytes;
    private final long t0;
    private final Consumer<PrepareProgress> sink;

    Progress(SparkStages.Counters counters, long files, long bytes, long t0, Consumer<PrepareProgress> sink) {
      this.counters = counters;
      this.files = files;
      this.bytes = bytes;
      this.t0 = t0;
      this.sink = sink;
    }

    synchronized void report() {
      sink.accept(new PrepareProgress(stage.get(), counters.files.value(), files, counters.bytes.value(), bytes,
          counters.documents.value(), counters.tokens.value(), counters.shards.value(), shards.get(),
          (System.nanoTime() - t0) / 1e9));
    }
  }
}
