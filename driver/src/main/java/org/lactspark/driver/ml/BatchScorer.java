package org.lactspark.driver.ml;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.broadcast.Broadcast;
import org.lactspark.driver.dist.ModelWorker;
import org.lactspark.driver.dist.Sequences;
import org.lactspark.driver.dist.Workers;

/**
 * Scores a batch of sequences in one forward pass of an executor-resident model. Shorter
 * sequences are padded to the batch's longest and masked ({@link Sequences#batch}); the loss's
 * own rule ({@link org.lactspark.kernel.model.LossTargets}) never scores a
 * padded position nor the last real one, so a sequence's scores do not depend on its neighbours.
 */
final class BatchScorer {
  private final ScoringSetup setup;
  private final Broadcast<float[][]> params;
  private final long version;

  BatchScorer(ScoringSetup setup, Broadcast<float[][]> params, long version) {
    this.setup = setup;
    this.params = params;
    this.version = version;
  }

  /** The scores of {@code tokens} (each at least 2 long) with their document starts. */
  List<SequenceLoss> score(List<int[]> tokens, List<int[]> starts) {
    int len = 1;
    for (int[] t : tokens) {
      len = Math.max(len, t.length);
    }
    Sequences seqs = new Sequences(len, tokens.toArray(new int[0][]), starts.toArray(new int[0][]));
    // borrowed per batch, not per partition: the rows come from a lazy iterator, and Workers.with
    // gives the model back when its function returns
    ModelWorker.Scored s = Workers.with(setup.modelKey(), setup.model(), w -> {
      w.setParams(version, params.value());
      return w.score(seqs, 0, seqs.count());
    });
    List<SequenceLoss> out = new ArrayList<>(tokens.size());
    for (int i = 0; i < tokens.size(); i++) {
      out.add(of(s, i * len, tokens.get(i).length));
    }
    return out;
  }

  private static SequenceLoss of(ModelWorker.Scored s, int row0, int length) {
    double[] positions = new double[length - 1];
    double sum = 0;
    int n = 0;
    for (int p = 0; p < positions.length; p++) {
      if (s.targets()[row0 + p] >= 0) {
        positions[p] = s.scores().loss()[row0 + p];
        sum += positions[p];
        n++;
      } else {
        positions[p] = Double.NaN;
      }
    }
    return new SequenceLoss(n == 0 ? null : sum / n, n, positions);
  }
}
