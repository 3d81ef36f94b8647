package org.lactspark.conf.keys;

import java.util.List;

/**
 * Every key of the train job's configuration, once. The optimiser's defaults follow the paper's
 * recipe (lact-spec 1.12): AdamW lr 1e-3, eps 1e-15, cosine decay to 0.1x, clipping at 1.0.
 */
public final class TrainKeys {
  private TrainKeys() {}

  /** The keys in documentation order. */
  public static final List<ConfigKey> ALL = List.of(
      ConfigKey.text("dataset", "lact-work/datasets/bundled", "the prepared dataset to train on (any Hadoop URI)"),
      ConfigKey.text("model", "small", "a model preset (tiny, small, 760m, 3b) or the path of a model config JSON"),
      ConfigKey.text("runDir", "lact-work/runs/small",
          "where checkpoints, metrics.jsonl and the loss plot go (any Hadoop URI)"),
      ConfigKey.intAtLeast("steps", 100, 1, "optimiser steps"),
      ConfigKey.intAtLeast("batchTokens", 4096, 1,
          "tokens per step (global batch); a multiple of the dataset's sequence length"),
      ConfigKey.intAtLeast("workers", 0, 0, "Spark tasks per step; 0 = Spark's default parallelism"),
      ConfigKey.intAtLeast("microBatch", 1, 1,
          "sequences per forward/backward on a worker; a worker accumulates gradients over its share"),
      ConfigKey.choice("engine", "auto", List.of("auto", "nd4j", "cuda"),
          "what computes the training steps on executors: auto = the native CUDA model on a task Spark assigned a "
              + "GPU, if it can run there (else nd4j, with one warning per executor JVM naming the reason); nd4j = the "
              + "DL4J graph (ND4J's CPU backend, or its CUDA one with -Pcuda); cuda = the native CUDA model, failing "
              + "the task with the reason where it cannot run"),
      ConfigKey.intAtLeast("averageEvery", 1, 1,
          "1 = sum the gradients every step (synchronous); K > 1 = each worker takes K local steps, then the "
              + "parameters and optimiser moments are averaged"),
      ConfigKey.positive("lr", 1e-3, "peak learning rate"),
      ConfigKey.intAtLeast("warmupSteps", 10, 0, "linear warm-up steps from 0 to lr"),
      ConfigKey.fraction("minLrRatio", 0.1, "the cosine decay's floor as a fraction of lr"),
      ConfigKey.positive("beta1", 0.9, "AdamW beta1"),
      ConfigKey.positive("beta2", 0.95, "AdamW beta2"),
      ConfigKey.positive("eps", 1e-15, "AdamW epsilon"),
      new ConfigKey("weightDecay", ValueType.DOUBLE, 0.1, "decoupled weight decay of the matrices", "must be >= 0",
          v -> (Double) v >= 0 && Double.isFinite((Double) v)),
      new ConfigKey("clipNorm", ValueType.DOUBLE, 1.0, "global gradient-norm clipping; 0 = off", "must be >= 0",
          v -> (Double) v >= 0 && Double.isFinite((Double) v)),
      ConfigKey.intAtLeast("maxBadSteps", 5, 1, "stop after this many steps in a row with a NaN/Inf loss or gradient"),
      ConfigKey.intAtLeast("checkpointEvery", 50, 0, "steps between checkpoints; 0 = only at the end"),
      ConfigKey.intAtLeast("keepCheckpoints", 3, 1, "complete checkpoints kept (the newest)"),
      ConfigKey.intAtLeast("validateEvery", 25, 0, "steps between validation passes; 0 = only at the end"),
      ConfigKey.intAtLeast("validationSequences", 32, 0, "validation sequences per pass; 0 = the whole split"),
      ConfigKey.intAtLeast("seed", 1234, 0, "seed of the parameter init and the data order"),
      new ConfigKey("peakGflops", ValueType.DOUBLE, 0.0,
          "peak FLOP/s per worker for model FLOPs utilisation, in GFLOP/s; 0 = measure a float32 GEMM", "must be >= 0",
          v -> (Double) v >= 0 && Double.isFinite((Double) v)));
}
