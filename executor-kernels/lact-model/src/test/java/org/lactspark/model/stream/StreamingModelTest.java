package org.lactspark.model.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lactspark.conf.ModelConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streamed logits equal the whole-sequence graph's: for model variants (momentum, Muon, pre-norm,
 * q/k norm, NoPE in the TTT branch, low-rank or full initial fast weights, tied embeddings, the
 * TTT branch off, windows shorter and longer than chunks), fed one token at a time, in random
 * pieces crossing chunk and window boundaries, and as one piece; sequences run past the config's
 * context length. float64 to 1e-9, float32 to 1e-4 (largest relative error of a position's row).
 */
class StreamingModelTest {
  private static final Logger LOG = LoggerFactory.getLogger(StreamingModelTest.class);
  private static final int LENGTH = 45;

  static Stream<Arguments> variants() {
    return Stream.of(
        new String[] {},
        new String[] {"useMuon=false", "useMomentum=false"},
        new String[] {"useMuon=false", "useMomentum=true", "tttPrenorm=true"},
        new String[] {"useMuon=true", "useMomentum=false", "attnQkNorm=true", "tttNope=true"},
        new String[] {"tttEnabled=false"},
        new String[] {"lowRank=0", "hiddenSize=48", "numAttnHeads=3", "numLactHeads=3", "chunkSize=16",
            "windowSize=8", "noVSilu=true", "learnableTttScale=false", "tieWordEmbeddings=true"},
        new String[] {"qkvSilu=false", "hiddenSize=64", "windowSize=16", "chunkSize=10", "tttPrenorm=true"},
        new String[] {"windowSize=1", "chunkSize=9"})
        .map(o -> Arguments.of(String.join(" ", o), o));
  }

  /** Piece sizes: ones, seeded random sizes 1..13, the whole sequence. */
  private static List<int[]> patterns(long seed) {
    int[] ones = new int[LENGTH];
    Arrays.fill(ones, 1);
    List<Integer> random = new ArrayList<>();
    Random r = new Random(seed);
    for (int left = LENGTH; left > 0; ) {
      int s = Math.min(left, 1 + r.nextInt(13));
      random.add(s);
      left -= s;
    }
    return List.of(ones, random.stream().mapToInt(Integer::intValue).toArray(), new int[] {LENGTH});
  }

  /** Streams {@code tokens} in pieces of the given sizes and returns every position's logits. */
  static double[][] streamed(StreamingModel m, int[] tokens, int[] pieces) {
    double[][] out = new double[tokens.length][];
    int at = 0;
    for (int size : pieces) {
      double[][] rows = StreamModels.rows(m.feed(Arrays.copyOfRange(tokens, at, at + size)));
      System.arraycopy(rows, 0, out, at, size);
      at += size;
    }
    assertEquals(tokens.length, at, "pieces cover the sequence");
    return out;
  }

  @ParameterizedTest(name = "float64 {0}")
  @MethodSource("variants")
  void streamedLogitsEqualTheWholeSequenceInFloat64(String name, String[] overrides) {
    check(StreamModels.config(overrides), DataType.DOUBLE, 1e-9, name.hashCode());
  }

  /** float32 on fewer variants: its own code paths are the kernel's precision and Muon's float64 update path. */
  static Stream<Arguments> float32Variants() {
    return variants().limit(4);
  }

  @ParameterizedTest(name = "float32 {0}")
  @MethodSource("float32Variants")
  void streamedLogitsEqualTheWholeSequenceInFloat32(String name, String[] overrides) {
    check(StreamModels.config(overrides), DataType.FLOAT, 1e-4, name.hashCode() + 1);
  }

  private static void check(ModelConfig c, DataType dt, double tol, long seed) {
    ComputationGraph g = StreamModels.build(c, dt, seed);
    int[] tokens = StreamModels.tokens(LENGTH, c.vocabSize(), seed);
    double[][] whole = StreamModels.wholeLogits(g, tokens);
    try (StreamingModel m = StreamingModel.of(g, c)) {
      for (int[] pieces : patterns(seed)) {
        m.reset();
        double err = StreamModels.maxRowError(streamed(m, tokens, pieces), whole);
        LOG.info("{} {} in {} pieces: largest row error {}", dt, c.useMuon() ? "muon" : "gd", pieces.length, err);
        assertTrue(err <= tol, dt + " pieces " + Arrays.toString(pieces) + ": row error " + err + " > " + tol
            + " (seed " + seed + ")");
        assertEquals(LENGTH, m.position());
      }
    }
  }

  @Test
  void theCarriedStateStaysBoundedPastTheContextLength() {
    ModelConfig c = StreamModels.config();
    ComputationGraph g = StreamModels.build(c, DataType.DOUBLE, 3);
    int[] tokens = StreamModels.tokens(150, c.vocabSize(), 3);
    Random r = new Random(3);
    try (StreamingModel m = StreamingModel.of(g, c)) {
      for (int at = 0; at < tokens.length; ) {
        int size = Math.min(tokens.length - at, 1 + r.nextInt(20));
        m.feed(Arrays.copyOfRange(tokens, at, at + size)).close();
        at += size;
        StreamingModel.State s = m.state();
        for (int layer = 0; layer < c.numLayers(); layer++) {
          assertEquals(Math.min(at, c.windowSize() - 1), s.cachedPositions()[layer], "window cache at " + at);
          assertEquals(at % c.chunkSize(), s.pendingTokens()[layer], "partial chunk at " + at);
          assertEquals(at / c.chunkSize(), s.updates()[layer], "updates at " + at);
        }
      }
      assertEquals(150, m.position());
      m.reset();
      assertEquals(0, m.position());
      assertEquals(0, m.state().updates()[0]);
      assertEquals(0, m.state().cachedPositions()[1]);
    }
  }

  @Test
  void badTokensAndClosedModelsAreRefused() {
    ModelConfig c = StreamModels.config();
    ComputationGraph g = StreamModels.build(c, DataType.DOUBLE, 5);
    StreamingModel m = StreamingModel.of(g, c);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.feed(new int[] {3, 50}));
    assertTrue(e.getMessage().startsWith("tokens[1] = 50"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> m.feed(new int[0]));
    assertTrue(e.getMessage().startsWith("tokens:"), e.getMessage());
    assertEquals(0, m.position(), "a refused piece changes nothing");
    m.close();
    m.close();
    assertThrows(IllegalStateException.class, () -> m.feed(new int[] {1}));
    ModelConfig other = StreamModels.config("hiddenSize=48", "numAttnHeads=3");
    assertThrows(IllegalStateException.class, () -> StreamingModel.of(g, other));
  }
}
