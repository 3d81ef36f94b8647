package org.lactspark.data.source;

import java.util.Locale;

/** How a file holds documents. */
public enum InputFormat {
  /** The whole file is one document. */
  TEXT,
  /** Each non-blank line is a document. */
  LINES,
  /** Runs of non-blank lines, separated by blank lines, are documents. */
  PARAGRAPHS,
  /** Each line is a JSON object whose text field is a document. */
  JSONL,
  /** Each row's text column is a document. */
  PARQUET;

  private static final String[] COMPRESSION_SUFFIXES = {".gz", ".bz2", ".zst", ".deflate", ".lz4", ".snappy"};

  /**
   * The format of the file named {@code fileName} under the configured {@code inputFormat}: that
   * format, or for {@code auto} one chosen by the name (a compression suffix is looked through):
   * {@code .jsonl}/{@code .json} is JSONL, {@code .parquet} is Parquet, anything else is text.
   */
  public static InputFormat resolve(String inputFormat, String fileName) {
    if (!"auto".equals(inputFormat)) {
      return valueOf(inputFormat.toUpperCase(Locale.ROOT));
    }
    String n = fileName.toLowerCase(Locale.ROOT);
    for (String c : COMPRESSION_SUFFIXES) {
      if (n.endsWith(c)) {
        n = n.substring(0, n.length() - c.length());
        break;
      }
    }
    if (n.endsWith(".jsonl") || n.endsWith(".json") || n.endsWith(".ndjson")) {
      return JSONL;
    }
    return n.endsWith(".parquet") ? PARQUET : TEXT;
  }
}
