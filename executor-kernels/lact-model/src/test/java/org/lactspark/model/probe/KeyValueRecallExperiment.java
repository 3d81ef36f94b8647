package org.lactspark.model.probe;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The paper's claim in miniature, as a long experiment (tag {@code experiment}, excluded from the
 * normal build; {@code benchmarks/run-kv-recall.sh} runs it): the same tiny model trained on
 * key-value recall with the TTT branch on and off, with fixed seeds; prints one JSON line with both
 * recalls. Settings: {@link RecallSettings}, overridable by system properties.
 */
@Tag("experiment")
class KeyValueRecallExperiment {
  private static final Logger LOG = LoggerFactory.getLogger(KeyValueRecallExperiment.class);

  static final RecallSettings DEFAULTS = new RecallSettings(64, 1, 24, 8, 16, 8, 1500, 3e-3, 1);

  @Test
  void tttRecallsWhatAttentionCannotSee() {
    RecallSettings s = RecallSettings.fromProperties(DEFAULTS);
    double[] on = run(s, true);
    double[] off = run(s, false);
    LOG.warn("RESULT {}", s.json(on[0], off[0], on[1], off[1]));
  }

  /** Recall on held-out examples and the training time in seconds. */
  static double[] run(RecallSettings s, boolean ttt) {
    long t = System.nanoTime();
    RecallTrainer tr = new RecallTrainer(s.task(), s.batch(), DataType.FLOAT, "nd4j");
    ComputationGraph g = tr.train(s.model(ttt), s.seed(), s.steps(), s.lr());
    double seconds = (System.nanoTime() - t) / 1e9;
    return new double[] {tr.recall(g, 16), seconds};
  }
}
