package org.lactspark.data.source;

import java.io.Serializable;

/**
 * One piece of input that could not become a document: what is wrong, where, and in words.
 *
 * @param kind a short, stable name of the problem (see the constants)
 * @param location the file and the line, row or byte offset
 * @param detail what was found
 */
public record BadInput(String kind, String location, String detail) implements Serializable {
  /** A file with no text at all. */
  public static final String EMPTY_FILE = "empty file";
  /** Bytes that are not UTF-8. */
  public static final String NOT_UTF8 = "not UTF-8";
  /** A compressed file that is truncated or corrupt, or a read that failed midway. */
  public static final String UNREADABLE = "unreadable";
  /** A JSONL line that is not a JSON object. */
  public static final String NOT_JSON = "not JSON";
  /** A JSONL object or Parquet file without the text field or column. */
  public static final String NO_FIELD = "no text field";
  /** A JSONL field or Parquet column whose value is not text. */
  public static final String NOT_TEXT = "not text";
  /** A line too long to hold (JSONL only: text lines of any length are streamed). */
  public static final String TOO_LONG = "line too long";

  @Override
  public String toString() {
    return location + ": " + kind + ": " + detail;
  }
}
