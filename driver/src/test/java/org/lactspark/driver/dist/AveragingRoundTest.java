package org.lactspark.driver.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.preset.Presets;
import org.lactspark.kernel.optim.AdamW;
import org.lactspark.kernel.optim.AdamWConfig;

/**
 * K-step averaging's local steps where the engine keeps its parameters: an engine with its own
 * optimiser ({@link HostOptimizerEngine}, the stand-in for the cuda engine's device AdamW) gives the
 * round the host path gives (the nd4j engine, AdamW on the JVM), bit for bit.
 */
class AveragingRoundTest {
  private static final ModelConfig TINY = Presets.load("tiny", List.of("documentRestart=true"));
  private static JavaSparkContext sc;

  @BeforeAll
  static void start() {
    sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("averaging round test")
        .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.ui.enabled", "false"));
  }

  @AfterAll
  static void stop() {
    sc.stop();
  }

  private static AveragingRound.Outcome round(String engine) {
    float[] params = ModelWorker.initialParams(TINY, 5);
    int n = params.length;
    AdamW.State state = new AdamW.State(new float[n], new float[n], 0);
    // two workers, three local steps each, clipping engaged on some steps
    List<List<Sequences>> shares = List.of(
        List.of(ModelWorkerTest.sequences(1), ModelWorkerTest.sequences(2), ModelWorkerTest.sequences(3)),
        List.of(ModelWorkerTest.sequences(4), ModelWorkerTest.sequences(5), ModelWorkerTest.sequences(6)));
    return new AveragingRound(sc, TINY, "averaging-" + engine, 2, AdamWConfig.DEFAULT, 1.0, engine)
        .run(params, state, shares, new double[] {3e-3, 2e-3, 1e-3}, "averaging round test: " + engine);
  }

  @Test
  void anEnginesOwnOptimiserGivesTheHostRound() {
    AveragingRound.Outcome host = round("nd4j");
    int before = HostOptimizerEngine.STEPS.get();
    AveragingRound.Outcome onEngine = round(HostOptimizerEngine.NAME);
    assertEquals(6, HostOptimizerEngine.STEPS.get() - before, "the engine's optimiser took every local step");
    assertNotEquals(0.0, host.params()[0] - ModelWorker.initialParams(TINY, 5)[0], "the round moved the parameters");
    assertArrayEquals(host.params(), onEngine.params(), "parameters");
    assertArrayEquals(host.m(), onEngine.m(), "first moments");
    assertArrayEquals(host.v(), onEngine.v(), "second moments");
    assertArrayEquals(host.lossSum(), onEngine.lossSum(), "losses");
    assertArrayEquals(host.scored(), onEngine.scored(), "scored");
    assertArrayEquals(host.normSum(), onEngine.normSum(), "gradient norms");
    assertEquals(2, onEngine.workers());
  }
}
