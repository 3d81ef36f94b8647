package org.lactspark.driver.eval;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sums one task's sequences add to, and the driver merges in task order: the loss by position
 * bucket, the totals for per-token and per-byte loss, and per probe split the examples and answer
 * tokens got right. Sums, not means, so any split of the data merges to the same numbers. A plain
 * class (Spark's Kryo serialiser cannot build records).
 */
public final class EvalTotals implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Positions per bucket. */
  int bucketSize;
  double[] bucketLoss;
  long[] bucketTokens;
  double lossSum;
  long tokens;
  long bytes;
  long sequences;
  /** Tokens run through the model, scored or not (the cost). */
  long tokensRun;
  long forwardNanos;
  /**
   * Per scored sequence, in data order: its summed loss and scored tokens (for paired comparisons);
   * the first {@link #lossSequences} entries are used, the arrays grow by doubling.
   */
  double[] sequenceLoss = new double[16];
  long[] sequenceTokens = new long[16];
  int lossSequences;
  /** Probe split to {examples, retrieved, answer tokens, answer tokens right}. */
  TreeMap<String, long[]> probes = new TreeMap<>();

  EvalTotals() {}

  /** Empty totals of {@code buckets} buckets of {@code bucketSize} positions. */
  EvalTotals(int buckets, int bucketSize) {
    this.bucketSize = bucketSize;
    this.bucketLoss = new double[buckets];
    this.bucketTokens = new long[buckets];
  }

  /** Adds one scored position {@code position} with loss {@code loss}. */
  void addToken(int position, double loss) {
    int b = Math.min(position / bucketSize, bucketLoss.length - 1);
    bucketLoss[b] += loss;
    bucketTokens[b]++;
    lossSum += loss;
    tokens++;
  }

  /** Records one whole scored sequence: its summed loss over its {@code scored} tokens. */
  void addSequence(double loss, long scored) {
    int n = lossSequences;
    if (n == sequenceLoss.length) {
      sequenceLoss = java.util.Arrays.copyOf(sequenceLoss, 2 * n);
      sequenceTokens = java.util.Arrays.copyOf(sequenceTokens, 2 * n);
    }
    sequenceLoss[n] = loss;
    sequenceTokens[n] = scored;
    lossSequences++;
  }

  /** Adds one probe example of split {@code split}. */
  void addProbe(String split, boolean retrieved, long answerTokens, long right) {
    long[] p = probes.computeIfAbsent(split, k -> new long[4]);
    p[0]++;
    p[1] += retrieved ? 1 : 0;
    p[2] += answerTokens;
    p[3] += right;
  }

  /** These totals plus {@code o}'s, into this. */
  EvalTotals add(EvalTotals o) {
    for (int i = 0; i < bucketLoss.length; i++) {
      bucketLoss[i] += o.bucketLoss[i];
      bucketTokens[i] += o.bucketTokens[i];
    }
    lossSum += o.lossSum;
    tokens += o.tokens;
    bytes += o.bytes;
    int n = lossSequences;
    int m = o.lossSequences;
    sequenceLoss = java.util.Arrays.copyOf(sequenceLoss, Math.max(sequenceLoss.length, n + m));
    sequenceTokens = java.util.Arrays.copyOf(sequenceTokens, Math.max(sequenceTokens.length, n + m));
    System.arraycopy(o.sequenceLoss, 0, sequenceLoss, n, m);
    System.arraycopy(o.sequenceTokens, 0, sequenceTokens, n, m);
    lossSequences += m;
    sequences += o.sequences;
    tokensRun += o.tokensRun;
    forwardNanos += o.forwardNanos;
    for (Map.Entry<String, long[]> e : o.probes.entrySet()) {
      long[] p = probes.computeIfAbsent(e.getKey(), k -> new long[4]);
      for (int i = 0; i < 4; i++) {
        p[i] += e.getValue()[i];
      }
    }
    return this;
  }

  /** The loss totals, or null if no token was scored. */
  EvalReport.Loss loss() {
    if (tokens == 0) {
      return null;
    }
    double perToken = lossSum / tokens;
    double perByte = bytes == 0 ? Double.NaN : lossSum / bytes;
    return new EvalReport.Loss(tokens, bytes, perToken, Math.exp(perToken), perByte, perByte / Math.log(2));
  }

  /** The per-position loss, or null if no token was scored. */
  EvalReport.PositionLoss positions(int sequenceLength) {
    if (tokens == 0) {
      return null;
    }
    List<EvalReport.Bucket> out = new ArrayList<>();
    for (int i = 0; i < bucketLoss.length; i++) {
      int start = i * bucketSize;
      int end = Math.min(sequenceLength, start + bucketSize);
      out.add(new EvalReport.Bucket(start, end,
          bucketTokens[i] == 0 ? Double.NaN : bucketLoss[i] / bucketTokens[i], bucketTokens[i]));
    }
    return new EvalReport.PositionLoss(bucketSize, out);
  }

  /** Accuracy per probe split, in split-name order of the probes' own parameters. */
  List<EvalReport.ProbeResult> retrieval() {
    List<EvalReport.ProbeResult> out = new ArrayList<>();
    for (Map.Entry<String, long[]> e : probes.entrySet()) {
      long[] p = e.getValue();
      ProbeName n = ProbeName.parse(e.getKey());
      out.add(new EvalReport.ProbeResult(e.getKey(), n.task(), n.length(), n.depth(), p[0],
          p[0] == 0 ? Double.NaN : (double) p[1] / p[0], p[2] == 0 ? Double.NaN : (double) p[3] / p[2]));
    }
    out.sort(java.util.Comparator.comparing(EvalReport.ProbeResult::task)
        .thenComparingInt(EvalReport.ProbeResult::length).thenComparingDouble(EvalReport.ProbeResult::depth));
    return out;
  }

  /**
   * A probe split's task, length and depth. Probe splits are named by the probe that wrote them
   * ({@code niah-L<length>-d<depth>}, {@code mqar-L<length>-k<pairs>[-d<depth>]}; the task of an
   * MQAR split names its pair count, {@code mqar-k16}); another name is kept as its own task with
   * length 0.
   */
  record ProbeName(String task, int length, double depth) {
    static ProbeName parse(String split) {
      java.util.regex.Matcher m = java.util.regex.Pattern
          .compile("([a-z]+)-L(\\d+)(-k\\d+)?(?:-d(\\d(?:\\.\\d+)?))?").matcher(split);
      if (!m.matches()) {
        return new ProbeName(split, 0, 0.0);
      }
      return new ProbeName(m.group(1) + (m.group(3) == null ? "" : m.group(3)), Integer.parseInt(m.group(2)),
          m.group(4) == null ? 0.0 : Double.parseDouble(m.group(4)));
    }
  }
}
