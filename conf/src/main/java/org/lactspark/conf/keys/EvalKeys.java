package org.lactspark.conf.keys;

import java.util.List;

/** Every key of the eval job's configuration, once. */
public final class EvalKeys {
  private EvalKeys() {}

  /** The keys in documentation order. */
  public static final List<ConfigKey> ALL = List.of(
      ConfigKey.text("checkpoint", "lact-work/runs/small",
          "the model to evaluate: a run directory (its newest complete checkpoint) or one step-N checkpoint directory"),
      ConfigKey.text("label", "model", "the model's name in the report"),
      ConfigKey.optionalText("baseline",
          "a second model to compare against (run or checkpoint directory, e.g. the same model trained with "
              + "tttEnabled=false); empty = none"),
      ConfigKey.text("baselineLabel", "baseline", "the baseline's name in the report"),
      new ConfigKey("dataset", ValueType.STRING, "lact-work/datasets/bundled",
          "the prepared dataset scored for loss, perplexity and per-position loss; empty = none", "any text", v -> true),
      ConfigKey.text("split", "validation", "the dataset split scored"),
      ConfigKey.intAtLeast("maxSequences", 0, 0, "sequences of the split scored (the first ones); 0 = all"),
      ConfigKey.optionalText("probes",
          "a probe dataset (bin/lact prepare probes) for retrieval accuracy by length and depth; empty = none"),
      ConfigKey.intAtLeast("maxProbeExamples", 0, 0, "examples per probe split; 0 = all"),
      ConfigKey.intAtLeast("positionBuckets", 64, 1, "position buckets over the sequence length for per-position loss"),
      ConfigKey.optionalText("out", "the report directory (any Hadoop URI); empty = <run directory>/eval"),
      ConfigKey.intAtLeast("workers", 0, 0, "Spark tasks per model and dataset; 0 = Spark's default parallelism"),
      ConfigKey.intAtLeast("microBatch", 1, 1, "sequences per forward pass on a worker"),
      ConfigKey.intAtLeast("segmentTokens", 0, 0,
          "0 = each sequence in one forward pass; N > 0 = fed through the model's streaming state N tokens at a "
              + "time (memory bounded by N, any sequence length)"));
}
