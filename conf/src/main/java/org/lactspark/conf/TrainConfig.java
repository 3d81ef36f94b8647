package org.lactspark.conf;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.lactspark.conf.keys.TrainKeys;

/**
 * The train job's configuration ({@link TrainKeys}), immutable and validated at construction,
 * with where each value came from (recorded in every checkpoint). Checks that need the dataset or
 * the model (the batch against the sequence length, the vocabulary) happen in the job, before any
 * Spark job runs.
 *
 * @param values every key's value, in documentation order
 * @param sources key to where its value came from
 */
public record TrainConfig(Map<String, Object> values, Map<String, String> sources) implements Serializable {
  /** Copies the maps and checks what single keys cannot. */
  public TrainConfig {
    values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
    sources = Map.copyOf(sources);
    for (var k : TrainKeys.ALL) {
      if (!values.containsKey(k.name())) {
        throw new ConfigException(k.name(), "(absent)", "record", "missing");
      }
      // the loader checks the same rules; a configuration built otherwise must not skip them
      Object v = values.get(k.name());
      String source = sources.getOrDefault(k.name(), "record");
      boolean valid;
      try {
        valid = v != null && k.valid().test(v);
      } catch (ClassCastException e) {
        throw new ConfigException(k.name(), v, source, "must be " + k.type().describe());
      }
      if (!valid) {
        throw new ConfigException(k.name(), v, source, k.rule());
      }
    }
    // the fields are not assigned yet inside the compact constructor: read the parameters
    int warmup = (Integer) values.get("warmupSteps");
    int steps = (Integer) values.get("steps");
    if (warmup > steps) {
      throw new ConfigException("warmupSteps", warmup, sources.getOrDefault("warmupSteps", "record"),
          "must be <= steps = " + steps);
    }
  }

  private int i(String k) {
    return (Integer) values.get(k);
  }

  private double d(String k) {
    return (Double) values.get(k);
  }

  private String s(String k) {
    return (String) values.get(k);
  }

  /** The dataset's location. */
  public String dataset() {
    return s("dataset");
  }

  /** A preset name or a model config file. */
  public String model() {
    return s("model");
  }

  /** The run directory. */
  public String runDir() {
    return s("runDir");
  }

  /** Optimiser steps. */
  public int steps() {
    return i("steps");
  }

  /** Tokens per step. */
  public int batchTokens() {
    return i("batchTokens");
  }

  /** Tasks per step, 0 for Spark's default parallelism. */
  public int workers() {
    return i("workers");
  }

  /** Sequences per forward/backward. */
  public int microBatch() {
    return i("microBatch");
  }

  /** What computes the training steps on executors: {@code auto}, {@code nd4j} or {@code cuda}. */
  public String engine() {
    return s("engine");
  }

  /** Steps between parameter averages (1: synchronous gradients). */
  public int averageEvery() {
    return i("averageEvery");
  }

  /** Peak learning rate. */
  public double lr() {
    return d("lr");
  }

  /** Warm-up steps. */
  public int warmupSteps() {
    return i("warmupSteps");
  }

  /** The cosine floor as a fraction of lr. */
  public double minLrRatio() {
    return d("minLrRatio");
  }

  /** AdamW beta1. */
  public double beta1() {
    return d("beta1");
  }

  /** AdamW beta2. */
  public double beta2() {
    return d("beta2");
  }

  /** AdamW epsilon. */
  public double eps() {
    return d("eps");
  }

  /** Decoupled weight decay. */
  public double weightDecay() {
    return d("weightDecay");
  }

  /** Global gradient-norm bound, 0 for none. */
  public double clipNorm() {
    return d("clipNorm");
  }

  /** Bad steps in a row before the run stops. */
  public int maxBadSteps() {
    return i("maxBadSteps");
  }

  /** Steps between checkpoints, 0 for only the last. */
  public int checkpointEvery() {
    return i("checkpointEvery");
  }

  /** Checkpoints kept. */
  public int keepCheckpoints() {
    return i("keepCheckpoints");
  }

  /** Steps between validation passes, 0 for only the end. */
  public int validateEvery() {
    return i("validateEvery");
  }

  /** Validation sequences per pass, 0 for all. */
  public int validationSequences() {
    return i("validationSequences");
  }

  /** The seed. */
  public int seed() {
    return i("seed");
  }

  /** Peak GFLOP/s per worker for MFU, 0 to measure. */
  public double peakGflops() {
    return d("peakGflops");
  }

  /** Every key's value as text, in documentation order. */
  public Map<String, String> asText() {
    Map<String, String> m = new LinkedHashMap<>();
    values.forEach((k, v) -> m.put(k, String.valueOf(v)));
    return m;
  }
}
