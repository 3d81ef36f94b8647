package org.lactspark.conf;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.lactspark.conf.keys.EvalKeys;

/**
 * The eval job's configuration ({@link EvalKeys}), immutable and validated at construction, with
 * where each value came from (recorded in every report). Checks that need the checkpoint or the
 * datasets happen in the job, before any Spark job runs.
 *
 * @param values every key's value, in documentation order
 * @param sources key to where its value came from
 */
public record EvalConfig(Map<String, Object> values, Map<String, String> sources) implements Serializable {
  /** Copies the maps and checks what single keys cannot. */
  public EvalConfig {
    values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    sources = Map.copyOf(sources);
    for (var k : EvalKeys.ALL) {
      if (!values.containsKey(k.name())) {
        throw new ConfigException(k.name(), "(absent)", "record", "missing");
      }
    }
    if (((String) values.get("checkpoint")).isBlank()) {
      throw new ConfigException("checkpoint", "", sources.getOrDefault("checkpoint", "record"),
          "names no checkpoint: give a run directory or a step-N checkpoint directory");
    }
    if (((String) values.get("dataset")).isBlank() && ((String) values.get("probes")).isBlank()) {
      throw new ConfigException("dataset", "", sources.getOrDefault("dataset", "record"),
          "nothing to evaluate: set 'dataset' or 'probes' (or both)");
    }
    String label = (String) values.get("label");
    if (!((String) values.get("baseline")).isBlank() && label.equals(values.get("baselineLabel"))) {
      throw new ConfigException("baselineLabel", label, sources.getOrDefault("baselineLabel", "record"),
          "must differ from 'label'");
    }
  }

  private String s(String k) {
    return (String) values.get(k);
  }

  private int i(String k) {
    return (Integer) values.get(k);
  }

  /** The run or checkpoint directory of the model. */
  public String checkpoint() {
    return s("checkpoint");
  }

  /** The model's label. */
  public String label() {
    return s("label");
  }

  /** The baseline's run or checkpoint directory, empty for none. */
  public String baseline() {
    return s("baseline");
  }

  /** The baseline's label. */
  public String baselineLabel() {
    return s("baselineLabel");
  }

  /** The dataset scored for loss, empty for none. */
  public String dataset() {
    return s("dataset");
  }

  /** The split scored. */
  public String split() {
    return s("split");
  }

  /** Sequences scored, 0 for all. */
  public int maxSequences() {
    return i("maxSequences");
  }

  /** The probe dataset, empty for none. */
  public String probes() {
    return s("probes");
  }

  /** Examples per probe split, 0 for all. */
  public int maxProbeExamples() {
    return i("maxProbeExamples");
  }

  /** Position buckets. */
  public int positionBuckets() {
    return i("positionBuckets");
  }

  /** The report directory, empty for the default. */
  public String out() {
    return s("out");
  }

  /** Tasks per pass, 0 for Spark's default parallelism. */
  public int workers() {
    return i("workers");
  }

  /** Sequences per forward pass. */
  public int microBatch() {
    return i("microBatch");
  }

  /** Streaming piece size, 0 for whole sequences. */
  public int segmentTokens() {
    return i("segmentTokens");
  }

  /** This configuration with {@code key} set to {@code value} (source {@code source}). */
  public EvalConfig with(String key, Object value, String source) {
    if (!values.containsKey(key)) {
      throw new IllegalArgumentException("no eval key '" + key + "'");
    }
    Map<String, Object> v = new LinkedHashMap<>(values);
    v.put(key, value);
    Map<String, String> s = new LinkedHashMap<>(sources);
    s.put(key, source);
    return new EvalConfig(v, s);
  }

  /** Every key's value as text, in documentation order. */
  public Map<String, String> asText() {
    Map<String, String> m = new LinkedHashMap<>();
    values.forEach((k, v) -> m.put(k, String.valueOf(v)));
    return m;
  }
}
