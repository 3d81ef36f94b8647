package org.lactspark.conf;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lactspark.conf.keys.PrepareKeys;

/**
 * The prepare job's configuration ({@link PrepareKeys}), immutable and validated at construction,
 * with where each value came from (recorded in the dataset's manifest).
 *
 * @param inputs input paths, URIs or globs, in the order given
 * @param inputFormat one of {@link PrepareKeys#INPUT_FORMATS}
 * @param textField JSONL field or Parquet column of the text
 * @param tokenizer {@code byte} or the location of a tokenizer.json
 * @param bos whether documents start with the BOS token
 * @param eos whether documents end with the EOS token
 * @param bosToken the BOS token's text, empty to detect it
 * @param eosToken the EOS token's text, empty to detect it
 * @param sequenceLength tokens per sequence
 * @param packing {@code concat} or {@code document}
 * @param validationFraction share of documents in the validation split
 * @param seed shuffle seed
 * @param shardMiB target shard size
 * @param partitions pack-stage partitions, 0 for Spark's default
 * @param onBadInput {@code fail} or {@code skip}
 * @param sources key to where its value came from
 */
public record PrepareConfig(List<String> inputs, String inputFormat, String textField, String tokenizer, boolean bos,
    boolean eos, String bosToken, String eosToken, int sequenceLength, String packing, double validationFraction,
    int seed, int shardMiB, int partitions, String onBadInput, Map<String, String> sources)
    implements java.io.Serializable {

  /** The tokenizer value that selects the built-in byte tokenizer. */
  public static final String BYTE_TOKENIZER = "byte";

  /** Checks what single keys cannot. */
  public PrepareConfig {
    inputs = List.copyOf(inputs);
    sources = Map.copyOf(sources);
    if (inputs.isEmpty()) {
      throw new ConfigException("inputs", "", source(sources, "inputs"), "names no input");
    }
    if (isByteTokenizer(tokenizer)) {
      for (String k : List.of("bosToken", "eosToken")) {
        String v = k.equals("bosToken") ? bosToken : eosToken;
        if (!v.isEmpty()) {
          throw new ConfigException(k, v, source(sources, k), "applies only to a tokenizer.json (tokenizer is byte)");
        }
      }
    }
  }

  private static String source(Map<String, String> sources, String key) {
    return sources.getOrDefault(key, "record");
  }

  private static boolean isByteTokenizer(String t) {
    return BYTE_TOKENIZER.equals(t);
  }

  /** Whether the built-in byte tokenizer is configured. */
  public boolean byteTokenizer() {
    return isByteTokenizer(tokenizer);
  }

  /** Whether bad input is skipped (and reported) rather than failing the job. */
  public boolean skipBadInput() {
    return "skip".equals(onBadInput);
  }

  /** Whether each document is packed alone. */
  public boolean documentPacking() {
    return "document".equals(packing);
  }

  /** Every key's value as text, in documentation order (for the manifest). */
  public Map<String, String> asText() {
    Map<String, String> m = new LinkedHashMap<>();
    values().forEach((k, v) -> m.put(k, String.valueOf(v)));
    return m;
  }

  /** Every key's value, in documentation order. */
  public Map<String, Object> values() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("inputs", String.join(",", inputs));
    m.put("inputFormat", inputFormat);
    m.put("textField", textField);
    m.put("tokenizer", tokenizer);
    m.put("bos", bos);
    m.put("eos", eos);
    m.put("bosToken", bosToken);
    m.put("eosToken", eosToken);
    m.put("sequenceLength", sequenceLength);
    m.put("packing", packing);
    m.put("validationFraction", validationFraction);
    m.put("seed", seed);
    m.put("shardMiB", shardMiB);
    m.put("partitions", partitions);
    m.put("onBadInput", onBadInput);
    return m;
  }

  /**
   * Builds the record from validated key values (the loader's output) and their sources.
   *
   * @throws ConfigException naming the key when the combination is invalid
   */
  public static PrepareConfig fromValues(Map<String, Object> v, Map<String, String> sources) {
    List<String> inputs = Arrays.stream(((String) v.get("inputs")).split(",")).map(String::trim)
        .filter(s -> !s.isEmpty()).toList();
    return new PrepareConfig(inputs, (String) v.get("inputFormat"), (String) v.get("textField"),
        ((String) v.get("tokenizer")).trim(), (Boolean) v.get("bos"), (Boolean) v.get("eos"), (String) v.get("bosToken"),
        (String) v.get("eosToken"), (Integer) v.get("sequenceLength"), (String) v.get("packing"),
        (Double) v.get("validationFraction"), (Integer) v.get("seed"), (Integer) v.get("shardMiB"),
        (Integer) v.get("partitions"), (String) v.get("onBadInput"), sources);
  }
}
