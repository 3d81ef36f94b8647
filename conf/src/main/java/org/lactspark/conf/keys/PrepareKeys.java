package org.lactspark.conf.keys;

import java.util.List;

/**
 * Every key of the prepare job's configuration (text to packed, sharded token sequences), once.
 * Values are recorded in the dataset's manifest with where each came from.
 */
public final class PrepareKeys {
  private PrepareKeys() {}

  /** Input formats: {@code auto} picks one per file from its name. */
  public static final List<String> INPUT_FORMATS = List.of("auto", "text", "lines", "paragraphs", "jsonl", "parquet");

  /** The keys in documentation order. */
  public static final List<ConfigKey> ALL = List.of(
      ConfigKey.text("inputs", null,
          "comma-separated input files, directories or globs on any Hadoop filesystem (file:, hdfs:, s3a:)"),
      ConfigKey.choice("inputFormat", "auto", INPUT_FORMATS,
          "text = one document per file, lines = one per line, paragraphs = separated by blank lines, "
              + "jsonl = one JSON object per line, parquet = one row per document; auto: .jsonl/.json -> jsonl, "
              + ".parquet -> parquet, anything else -> text (a compression suffix is looked through)"),
      ConfigKey.text("textField", "text", "the JSONL field or Parquet column that holds the text"),
      ConfigKey.text("tokenizer", "byte", "byte (UTF-8 bytes, no file) or the path/URI of a Hugging Face tokenizer.json"),
      ConfigKey.flag("bos", false, "put the BOS token before each document"),
      ConfigKey.flag("eos", false, "put the EOS token after each document"),
      new ConfigKey("bosToken", ValueType.STRING, "", "the BOS token's text in a tokenizer.json; empty: detect it",
          "any text", v -> true),
      new ConfigKey("eosToken", ValueType.STRING, "", "the EOS token's text in a tokenizer.json; empty: detect it",
          "any text", v -> true),
      ConfigKey.intAtLeast("sequenceLength", 2048, 2, "tokens per training sequence L"),
      ConfigKey.choice("packing", "concat", List.of("concat", "document"),
          "concat = documents back to back, cut every L tokens, starts recorded; "
              + "document = each document alone, split every L tokens, the last piece padded by the reader"),
      ConfigKey.fraction("validationFraction", 0.05, "share of documents (by content hash) in the validation split"),
      ConfigKey.intAtLeast("seed", 1234, 0, "seed of the document shuffle"),
      ConfigKey.intAtLeast("shardMiB", 64, 1, "target size of a shard in MiB of token ids"),
      ConfigKey.intAtLeast("partitions", 0, 0,
          "Spark partitions of the pack stage; 0 = Spark's default parallelism; the output does not depend on it"),
      ConfigKey.choice("onBadInput", "fail", List.of("fail", "skip"),
          "fail = stop at the first bad file or record; skip = leave it out, count and report it"));
}
