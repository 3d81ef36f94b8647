package org.lactspark.kernel.cli;

import java.util.LinkedHashMap;
import java.util.Optional;
import org.lactspark.conf.ModelConfig;

/**
 * A test-only train-step benchmark named {@value #NAME} (registered in this module's test
 * resources): returns {@link #fields} as they are, and remembers what it was asked to run.
 */
public final class FakeTrainStepBenchmark implements TrainStepBenchmark {
  /** The backend's name. */
  public static final String NAME = "fake";

  /** What the next run returns; tests replace it. */
  static volatile LinkedHashMap<String, Object> fields = standard();

  /** The config and options of the last run, or null. */
  static volatile ModelConfig lastConfig;

  static volatile TrainStepOptions lastOptions;

  /** For ServiceLoader. */
  public FakeTrainStepBenchmark() {}

  /** The fields a well-behaved benchmark returns, plus one of its own. */
  static LinkedHashMap<String, Object> standard() {
    LinkedHashMap<String, Object> f = new LinkedHashMap<>();
    f.put("step_ms", 12.5);
    f.put("tokens_per_s", 5120L);
    f.put("loss_first", 5.5);
    f.put("loss_last", 5.25);
    f.put("peak_memory_bytes", 4096L);
    f.put("device", "fake device");
    return f;
  }

  @Override
  public String backend() {
    return NAME;
  }

  @Override
  public Optional<String> unavailableReason() {
    return Optional.empty();
  }

  @Override
  public LinkedHashMap<String, Object> run(ModelConfig config, TrainStepOptions o) {
    lastConfig = config;
    lastOptions = o;
    return new LinkedHashMap<>(fields);
  }

  /** A registered benchmark, {@code fake-absent}, that cannot run here. */
  public static final class Unavailable implements TrainStepBenchmark {
    /** Why it cannot run. */
    public static final String WHY = "no fake device on this host";

    /** For ServiceLoader. */
    public Unavailable() {}

    @Override
    public String backend() {
      return "fake-absent";
    }

    @Override
    public Optional<String> unavailableReason() {
      return Optional.of(WHY);
    }

    @Override
    public LinkedHashMap<String, Object> run(ModelConfig config, TrainStepOptions o) {
      throw new AssertionError("an unavailable benchmark was run");
    }
  }
}
