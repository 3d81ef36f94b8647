package org.lactspark.data.source;

/**
 * A document's whole text (a JSONL value, a Parquet cell) handed on in chunks of at most {@link
 * TextDocuments#CHUNK_CHARS} characters, never splitting a surrogate pair.
 */
final class PendingText {
  private String text;
  private int pos;
  private String location;
  private long ordinal;

  /** Normalises document text: no U+FEFF (byte-order marks), no carriage return of a CRLF. */
  static String clean(String t) {
    String s = t.indexOf('\uFEFF') >= 0 ? t.replace("\uFEFF", "") : t;
    return s.indexOf('\r') >= 0 ? s.replace("\r\n", "\n") : s;
  }

  void set(String text, String location, long ordinal) {
    this.text = text;
    this.pos = 0;
    this.location = location;
    this.ordinal = ordinal;
  }

  boolean isEmpty() {
    return text == null;
  }

  /** The next chunk; the last one empties this holder. */
  TextChunk next() {
    int end = Math.min(text.length(), pos + TextDocuments.CHUNK_CHARS);
    if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    TextChunk c = new TextChunk(location, ordinal, pos == 0, end == text.length(), text.substring(pos, end));
    pos = end;
    if (c.last()) {
      text = null;
    }
    return c;
  }
}
