package org.lactspark.model.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.lactspark.conf.ModelConfig;
import org.nd4j.linalg.api.buffer.DataType;

/** Greedy decoding on the stream equals greedy decoding that reruns the whole sequence each step. */
class GeneratorTest {

  /** Argmax of the last position, rerunning the graph on the prompt and everything generated. */
  private static int[] rerunGreedy(ComputationGraph g, int[] prompt, int count) {
    int[] seq = Arrays.copyOf(prompt, prompt.length + count);
    for (int n = 0; n < count; n++) {
      double[][] logits = StreamModels.wholeLogits(g, Arrays.copyOf(seq, prompt.length + n));
      double[] last = logits[logits.length - 1];
      int best = 0;
      for (int i = 1; i < last.length; i++) {
        if (last[i] > last[best]) {
          best = i;
        }
      }
      seq[prompt.length + n] = best;
    }
    return Arrays.copyOfRange(seq, prompt.length, seq.length);
  }

  @Test
  void greedyOnTheStreamEqualsRerunningTheWholeSequence() {
    ModelConfig c = StreamModels.config();
    ComputationGraph g = StreamModels.build(c, DataType.DOUBLE, 11);
    // 11 prompt tokens cross the first chunk boundary (8); 20 more cross two more and the context (32).
    int[] prompt = StreamModels.tokens(11, c.vocabSize(), 11);
    int[] expected = rerunGreedy(g, prompt, 20);
    try (StreamingModel m = StreamingModel.of(g, c)) {
      assertArrayEquals(expected, Generator.greedy(m, prompt, 20, -1));
      assertEquals(prompt.length + 19, m.position(), "the last token is generated, not fed");
      // A stop token ends generation after it is produced.
      int stop = expected[6];
      int first = 0;
      while (expected[first] != stop) {
        first++;
      }
      assertArrayEquals(Arrays.copyOf(expected, first + 1), Generator.greedy(m, prompt, 20, stop));
      assertEquals(0, Generator.greedy(m, prompt, 0, -1).length);
    }
  }
}
