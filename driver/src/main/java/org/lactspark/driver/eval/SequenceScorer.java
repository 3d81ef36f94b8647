package org.lactspark.driver.eval;

import java.util.List;
import org.lactspark.data.dataset.PackedSequence;
import org.lactspark.data.tokenize.Tokenizer;
import org.lactspark.driver.dist.ModelWorker;

/**
 * Turns a forward pass's per-position losses and predictions into {@link EvalTotals}: loss by
 * position and per byte for a dataset split; for a probe split, whether each example's answer
 * was predicted (every answer token right, each given the true tokens before it).
 */
final class SequenceScorer {
  private final EvalTotals totals;
  private final Tokenizer tokenizer;

  /** @param tokenizer counts each scored token's bytes; null when unknown (per-byte loss is then NaN) */
  SequenceScorer(int buckets, int bucketSize, Tokenizer tokenizer) {
    this.totals = new EvalTotals(buckets, bucketSize);
    this.tokenizer = tokenizer;
  }

  /**
   * Adds the sequences {@code from..to-1} of {@code seqs} that {@code s} scored (its rows are {@code [b * L]}
   * for the pass's padded length L); {@code probeSplit} is the probe split's name, or null for a
   * dataset split.
   */
  void add(List<PackedSequence> seqs, int from, int to, ModelWorker.Scored s, String probeSplit) {
    int b = to - from;
    int len = s.targets().length / b;
    for (int i = 0; i < b; i++) {
      PackedSequence seq = seqs.get(from + i);
      totals.tokensRun += seq.length();
      if (probeSplit == null) {
        addLoss(seq, s, i * len);
      } else {
        addProbe(seq, s, i * len, probeSplit);
      }
    }
    totals.forwardNanos += s.nanos();
  }

  private void addLoss(PackedSequence seq, ModelWorker.Scored s, int row0) {
    int[] ids = new int[seq.length()];
    int n = 0;
    double sum = 0;
    for (int p = 0; p < seq.length(); p++) {
      int t = s.targets()[row0 + p];
      if (t >= 0) {
        double l = s.scores().loss()[row0 + p];
        totals.addToken(p, l);
        sum += l;
        ids[n++] = t;
      }
    }
    totals.sequences++;
    totals.addSequence(sum, n);
    if (tokenizer != null) {
      totals.bytes += tokenizer.byteLength(java.util.Arrays.copyOf(ids, n));
    }
  }

  private void addProbe(PackedSequence seq, ModelWorker.Scored s, int row0, String split) {
    long answer = 0;
    long right = 0;
    for (PackedSequence.Span span : seq.answerSpans()) {
      for (int p = Math.max(1, span.start()); p < span.end(); p++) {
        answer++;
        // the token at p is predicted by the logits at p - 1
        if (s.scores().argmax()[row0 + p - 1] == seq.tokens()[p]) {
          right++;
        }
      }
    }
    totals.sequences++;
    totals.addProbe(split, answer > 0 && right == answer, answer, right);
  }

  EvalTotals totals() {
    return totals;
  }
}
