package org.lactspark.data.prepare;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.Partitioner;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.api.java.function.PairFlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.LongAccumulator;
import org.lactspark.conf.PrepareConfig;
import org.lactspark.data.dataset.ShardWriter;
import org.lactspark.data.hadoop.HadoopFiles;
import org.lactspark.data.source.BadInput;
import org.lactspark.data.source.DocumentReaders;
import org.lactspark.data.source.InputFile;
import org.lactspark.data.tokenize.TokenizerSpec;
import scala.Tuple2;

/**
 * The functions the prepare job ships to executors: each a small serialisable class around the
 * plain-Java stage it runs ({@link DocumentTokenizer}, {@link Packer}, {@link ShardAssembler}).
 */
final class SparkStages {
  private SparkStages() {}

  /** A Hadoop configuration that travels to executors (it is Writable, not Serializable). */
  /** The job's counters; each task reports into its own copy, merged by Spark. */
  static final class Counters implements Tally, Serializable {
    private static final long serialVersionUID = 1L;
    final LongAccumulator documents;
    final LongAccumulator tokens;
    final LongAccumulator chars;
    final LongAccumulator blanks;
    final LongAccumulator files;
    final LongAccumulator bytes;
    final LongAccumulator shards;
    final BadInputAccumulator problems;
    private transient Map<Integer, Long> ranks;

    Counters(org.apache.spark.SparkContext sc) {
      documents = sc.longAccumulator("prepare.documents");
      tokens = sc.longAccumulator("prepare.tokens");
      chars = sc.longAccumulator("prepare.chars");
      blanks = sc.longAccumulator("prepare.blanks");
      files = sc.longAccumulator("prepare.files");
      bytes = sc.longAccumulator("prepare.bytes");
      shards = sc.longAccumulator("prepare.shards");
      problems = new BadInputAccumulator();
      sc.register(problems, "prepare.badInput");
    }

    @Override
    public void document(Split split, long n, long textChars) {
      documents.add(1);
      tokens.add(n);
      chars.add(textChars);
    }

    @Override
    public void blank(long count) {
      blanks.add(count);
    }

    @Override
    public void problem(int file, BadInput problem) {
      if (ranks == null) {
        ranks = new HashMap<>();
      }
      long rank = ranks.merge(file, 1L, Long::sum);
      problems.add(new BadInputAccumulator.Found(file, rank, problem));
    }

    @Override
    public void fileDone(long n) {
      files.add(1);
      bytes.add(n);
    }
  }

  /** Stage 1: an input file to its documents' keyed pieces. */
  static final class Tokenize implements PairFlatMapFunction<InputFile, DocumentKey, DocumentPiece> {
    private static final long serialVersionUID = 1L;
    private final PrepareConfig config;
    // broadcast: a tokenizer.json can be megabytes, sent once per executor rather than per task
    private final Broadcast<TokenizerSpec> tokenizer;
    private final org.lactspark.data.hadoop.SerializableConf conf;
    private final Counters counters;

    Tokenize(PrepareConfig config, Broadcast<TokenizerSpec> tokenizer, org.lactspark.data.hadoop.SerializableConf conf, Counters counters) {
      this.config = config;
      this.tokenizer = tokenizer;
      this.conf = conf;
      this.counters = counters;
    }

    @Override
    public Iterator<Tuple2<DocumentKey, DocumentPiece>> call(InputFile file) throws IOException {
      DocumentTokenizer docs;
      try {
        docs = new DocumentTokenizer(file, DocumentReaders.open(file, conf.get(), config.textField()),
            tokenizer.value().open(), config, counters);
      } catch (org.lactspark.data.source.BadInputException e) {
        if (!config.skipBadInput()) {
          throw new BadInputFailure(e.problem(), e);
        }
        counters.problem(file.index(), e.problem());
        counters.fileDone(file.length());
        return java.util.Collections.emptyIterator();
      }
      TaskContext ctx = TaskContext.get();
      if (ctx != null) {
        ctx.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) c -> closeQuietly(docs));
      }
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return docs.hasNext();
        }

        @Override
        public Tuple2<DocumentKey, DocumentPiece> next() {
          DocumentTokenizer.Keyed k = docs.next();
          return new Tuple2<>(k.key(), k.piece());
        }
      };
    }

    private static void closeQuietly(DocumentTokenizer docs) {
      try {
        docs.close();
      } catch (IOException e) {
        // the task is over; a failed close of a read stream loses nothing
      }
    }
  }

  /**
   * Cuts the documents' shuffle order (an unsigned 64-bit hash, uniform) into equal ranges, so the
   * sorted partitions concatenate to one global order without sampling the data first.
   */
  static final class OrderPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int partitions;

    OrderPartitioner(int partitions) {
      this.partitions = partitions;
    }

    @Override
    public int numPartitions() {
      return partitions;
    }

    @Override
    public int getPartition(Object key) {
      long top = ((DocumentKey) key).order() >>> 32;
      return (int) ((top * partitions) >>> 32);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof OrderPartitioner p && p.partitions == partitions;
    }

    @Override
    public int hashCode() {
      return partitions;
    }
  }

  /** Counts one sorted partition. */
  static final class Count implements Function2<Integer, Iterator<Tuple2<DocumentKey, DocumentPiece>>,
      Iterator<Tuple2<Integer, Packer.Counts>>> {
    private static final long serialVersionUID = 1L;
    private final int length;

    Count(int length) {
      this.length = length;
    }

    @Override
    public Iterator<Tuple2<Integer, Packer.Counts>> call(Integer partition,
        Iterator<Tuple2<DocumentKey, DocumentPiece>> pieces) {
      Packer.Counter c = new Packer.Counter(length);
      while (pieces.hasNext()) {
        Tuple2<DocumentKey, DocumentPiece> t = pieces.next();
        c.add(t._1(), t._2());
      }
      return List.of(new Tuple2<>(partition, c.finish())).iterator();
    }
  }

  /** Packs one sorted partition into fragments keyed for assembly. */
  static final class Pack implements Function2<Integer, Iterator<Tuple2<DocumentKey, DocumentPiece>>,
      Iterator<Tuple2<Fragment.Key, Fragment>>> {
    private static final long serialVersionUID = 1L;
    private final int length;
    private final boolean documentPacking;
    private final Layout layout;

    Pack(int length, boolean documentPacking, Layout layout) {
      this.length = length;
      this.documentPacking = documentPacking;
      this.layout = layout;
    }

    @Override
    public Iterator<Tuple2<Fragment.Key, Fragment>> call(Integer partition,
        Iterator<Tuple2<DocumentKey, DocumentPiece>> pieces) {
      Packer packer = new Packer(length, documentPacking, layout.starts()[partition]);
      return new Iterator<>() {
        private final List<Fragment> ready = new ArrayList<>();
        private int next;
        private boolean finished;

        @Override
        public boolean hasNext() {
          while (next == ready.size() && !finished) {
            ready.clear();
            next = 0;
            if (pieces.hasNext()) {
              Tuple2<DocumentKey, DocumentPiece> t = pieces.next();
              ready.addAll(packer.add(t._1(), t._2()));
            } else {
              ready.addAll(packer.finish());
              finished = true;
            }
          }
          return next < ready.size();
        }

        @Override
        public Tuple2<Fragment.Key, Fragment> next() {
          if (!hasNext()) {
            throw new java.util.NoSuchElementException();
          }
          Fragment f = ready.get(next++);
          return new Tuple2<>(f.key(), f);
        }
      };
    }
  }

  /** Sends each fragment to the shard that holds its sequence. */
  static final class ShardPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final Layout layout;

    ShardPartitioner(Layout layout) {
      this.layout = layout;
    }

    @Override
    public int numPartitions() {
      return Math.max(1, layout.shardCount());
    }

    @Override
    public int getPartition(Object key) {
      Fragment.Key k = (Fragment.Key) key;
      return layout.shardOf(k.split(), k.sequence());
    }
  }

  /** What a written shard reports back (ShardWriter's summary, flattened to travel to the driver). */
  record Written(int shard, String file, long records, long tokens, long bytes, String sha256)
      implements Serializable {}

  /** Writes one shard from its sorted fragments. */
  static final class WriteShard implements Function2<Integer, Iterator<Tuple2<Fragment.Key, Fragment>>,
      Iterator<Written>> {
    private static final long serialVersionUID = 1L;
    private final Layout layout;
    private final String output;
    private final org.lactspark.data.hadoop.SerializableConf conf;
    private final int tokenBytes;
    private final int length;
    private final boolean documentPacking;
    private final LongAccumulator shards;

    WriteShard(Layout layout, String output, org.lactspark.data.hadoop.SerializableConf conf, int tokenBytes, int length,
        boolean documentPacking, LongAccumulator shards) {
      this.layout = layout;
      this.output = output;
      this.conf = conf;
      this.tokenBytes = tokenBytes;
      this.length = length;
      this.documentPacking = documentPacking;
      this.shards = shards;
    }

    @Override
    public Iterator<Written> call(Integer shard, Iterator<Tuple2<Fragment.Key, Fragment>> fragments)
        throws IOException {
      if (layout.shardCount() == 0) {
        return java.util.Collections.emptyIterator();
      }
      Path dir = new Path(output);
      FileSystem fs = dir.getFileSystem(conf.get());
      String name = layout.fileName(shard);
      int split = layout.splitOf(shard);
      ShardWriter.Summary[] summary = new ShardWriter.Summary[1];
      TaskContext ctx = TaskContext.get();
      String attempt = ctx == null ? "local" : Long.toString(ctx.taskAttemptId());
      HadoopFiles.writeAtomically(fs, dir, name, attempt, out -> {
        try (ShardWriter w = new ShardWriter(out, tokenBytes, length)) {
          ShardAssembler.write(new Iterator<>() {
            @Override
            public boolean hasNext() {
              return fragments.hasNext();
            }

            @Override
            public Fragment next() {
              return fragments.next()._2();
            }
          }, w, layout.firstSequence(shard), layout.sequencesIn(shard), documentPacking ? 0 : length,
              layout.sequences()[split] - 1);
          summary[0] = w.finish();
        }
      });
      shards.add(1);
      ShardWriter.Summary w = summary[0];
      return List.of(new Written(shard, name, w.records(), w.tokens(), w.bytes(), w.sha256())).iterator();
    }
  }
}
