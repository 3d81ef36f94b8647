package org.lactspark.model.stream;

import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.preset.Presets;
import org.lactspark.model.graph.LactModels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A measurement, not a test (nothing is asserted about time): the {@code small} preset in float32
 * over 2048 tokens as one whole-sequence {@code graph.output}, streamed in pieces of 256, and token
 * by token across a chunk boundary. Runs only with {@code -Dlact.streamTiming=true}; the rounds
 * alternate the variants because this machine's speed drifts by 20-30% from minute to minute.
 */
@EnabledIfSystemProperty(named = "lact.streamTiming", matches = "true")
class StreamTimingTest {
  private static final Logger LOG = LoggerFactory.getLogger(StreamTimingTest.class);
  private static final int LENGTH = 2048;

  @Test
  void timeTheSmallPreset() {
    ModelConfig c = Presets.load("small", List.of());
    ComputationGraph g = LactModels.build(c, LactModels.Options.defaults().withDataType(DataType.FLOAT));
    int[] tokens = StreamModels.tokens(LENGTH, c.vocabSize(), 1);
    double[] ids = Arrays.stream(tokens).asDoubleStream().toArray();
    INDArray in = Nd4j.create(ids, new long[] {1, LENGTH}, DataType.DOUBLE).castTo(DataType.FLOAT);
    int rounds = Integer.getInteger("lact.streamTiming.rounds", 3);
    try (StreamingModel m = StreamingModel.of(g, c)) {
      for (int round = 0; round <= rounds; round++) {
        long t0 = System.nanoTime();
        INDArray whole = g.outputSingle(in);
        long t1 = System.nanoTime();
        m.reset();
        double err = 0;
        double[][] wholeRows = whole.reshape(LENGTH, c.vocabSize()).castTo(DataType.DOUBLE).toDoubleMatrix();
        long streamNanos = 0;
        for (int at = 0; at < LENGTH; at += 256) {
          long s = System.nanoTime();
          INDArray piece = m.feed(Arrays.copyOfRange(tokens, at, at + 256));
          streamNanos += System.nanoTime() - s;
          err = Math.max(err, StreamModels.maxRowError(StreamModels.rows(piece),
              Arrays.copyOfRange(wholeRows, at, at + 256)));
        }
        // Token by token from position 384 to 640: crosses the chunk boundary at 512.
        m.reset();
        m.feed(Arrays.copyOfRange(tokens, 0, 384)).close();
        long[] perToken = new long[256];
        for (int i = 0; i < perToken.length; i++) {
          long s = System.nanoTime();
          m.feed(new int[] {tokens[384 + i]}).close();
          perToken[i] = System.nanoTime() - s;
        }
        long[] sorted = perToken.clone();
        Arrays.sort(sorted);
        LOG.info("round {}{}: whole {} ms; streamed 256 x 8 {} ms (row error vs whole {}); one token: median {} ms, "
                + "mean {} ms, slowest {} ms (the token completing chunk 0 is #{}: {} ms)",
            round, round == 0 ? " (warm-up)" : "", ms(t1 - t0), ms(streamNanos), err, ms(sorted[128]),
            ms(Arrays.stream(perToken).sum() / perToken.length), ms(sorted[255]), 511 - 384, ms(perToken[511 - 384]));
      }
    }
  }

  private static String ms(long nanos) {
    return String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e6);
  }
}
