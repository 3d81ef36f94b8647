package org.lactspark.driver.eval;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.lactspark.conf.ModelConfig;
import org.lactspark.data.dataset.DatasetReader;
import org.lactspark.data.dataset.PackedSequence;
import org.lactspark.data.hadoop.HadoopShardSource;
import org.lactspark.data.hadoop.SerializableConf;
import org.lactspark.data.tokenize.TokenizerSpec;
import org.lactspark.driver.dist.ChunkedSum;
import org.lactspark.driver.dist.ModelWorker;
import org.lactspark.driver.dist.Sequences;
import org.lactspark.driver.dist.SyncStep;
import org.lactspark.driver.dist.Workers;

/**
 * One model over a list of shares on Spark: the driver broadcasts the parameters (in chunks), each
 * task reads its share straight from the dataset, scores it on an executor-resident model
 * ({@link Workers}) and returns its {@link EvalTotals}; the driver merges them in task order, so
 * the numbers do not depend on which task finished first.
 */
final class EvalPass {
  private EvalPass() {}

  /**
   * What every task needs besides its share.
   *
   * @param model the model configuration
   * @param modelKey identifies the model among an executor's resident ones
   * @param microBatch sequences per forward pass
   * @param segmentTokens 0, or the piece size of streamed scoring (one sequence at a time)
   * @param buckets position buckets
   * @param bucketSize positions per bucket
   * @param tokenizer the dataset's tokenizer (for per-byte loss), or null when it cannot be loaded
   * @param conf the Hadoop configuration the tasks read the data with
   */
  record Setup(ModelConfig model, String modelKey, int microBatch, int segmentTokens, int buckets, int bucketSize,
      TokenizerSpec tokenizer, SerializableConf conf) implements Serializable {}

  /** Scores {@code shares} at {@code params}; an empty list gives empty totals. */
  static EvalTotals run(JavaSparkContext sc, Setup setup, float[] params, List<EvalShare> shares, String description) {
    EvalTotals total = new EvalTotals(setup.buckets(), setup.bucketSize());
    if (shares.isEmpty()) {
      return total;
    }
    long version = SyncStep.newVersion();
    Broadcast<float[][]> b = sc.broadcast(ChunkedSum.split(params));
    sc.setJobDescription(description);
    List<EvalTotals> parts;
    try {
      parts = sc.parallelize(shares, shares.size()).map(new Score(setup, b, version)).collect();
    } finally {
      b.destroy(false);
    }
    for (EvalTotals t : parts) {
      total.add(t);
    }
    return total;
  }

  /** The task: one share, scored. */
  private static final class Score implements Function<EvalShare, EvalTotals> {
    private static final long serialVersionUID = 1L;
    private final Setup setup;
    private final Broadcast<float[][]> params;
    private final long version;

    Score(Setup setup, Broadcast<float[][]> params, long version) {
      this.setup = setup;
      this.params = params;
      this.version = version;
    }

    @Override
    public EvalTotals call(EvalShare share) {
      List<PackedSequence> list = readAll(share);
      Sequences seqs = Sequences.of(maxLength(list), list);
      return Workers.with(setup.modelKey(), setup.model(), w -> {
        w.setParams(version, params.value());
        SequenceScorer scorer = new SequenceScorer(setup.buckets(), setup.bucketSize(),
            setup.tokenizer() == null ? null : setup.tokenizer().open());
        String probe = share.probe() ? share.split() : null;
        if (setup.segmentTokens() > 0) {
          for (int i = 0; i < list.size(); i++) {
            scorer.add(list, i, i + 1, w.scoreStreamed(list.get(i).tokens(), setup.segmentTokens()), probe);
          }
          return scorer.totals();
        }
        for (int from = 0; from < seqs.count(); from += setup.microBatch()) {
          int to = Math.min(seqs.count(), from + setup.microBatch());
          scorer.add(list, from, to, w.score(seqs, from, to), probe);
        }
        return scorer.totals();
      });
    }

    private List<PackedSequence> readAll(EvalShare share) {
      try (DatasetReader r = DatasetReader.open(new HadoopShardSource(share.dataset(), setup.conf().get()),
          share.split(), new DatasetReader.Cursor(share.shard(), share.record()))) {
        List<PackedSequence> out = new ArrayList<>();
        for (int i = 0; i < share.count(); i++) {
          PackedSequence s = r.next();
          if (s == null) {
            throw new IOException(share.dataset() + ": split '" + share.split() + "' ended before its manifest's count");
          }
          out.add(s);
        }
        return out;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static int maxLength(List<PackedSequence> list) {
      int n = 1;
      for (PackedSequence s : list) {
        n = Math.max(n, s.length());
      }
      return n;
    }
  }
}
