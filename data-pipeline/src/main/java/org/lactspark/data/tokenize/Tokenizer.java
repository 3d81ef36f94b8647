package org.lactspark.data.tokenize;

/**
 * Text to token ids and back, with optional document markers. Implementations are immutable and
 * thread-safe (Spark tasks share one per executor).
 */
public interface Tokenizer {
  /** The kind and name recorded in a dataset's manifest, e.g. {@code byte}. */
  String name();

  /** Ids are in {@code [0, vocabSize())}, special tokens included. */
  int vocabSize();

  /** The id put before each document, or -1 if documents get none. */
  int bosId();

  /** The id put after each document, or -1 if documents get none. */
  int eosId();

  /** The ids of {@code text} without document markers. */
  int[] encode(String text);

  /** The text of ids produced by {@link #encode}; document markers are dropped. */
  String decode(int[] ids);

  /**
   * The UTF-8 bytes of the text {@code ids} stand for, document markers excluded: what per-byte
   * metrics divide by, so models with different tokenizers compare. The default decodes; a
   * tokenizer that knows each id's bytes answers exactly.
   */
  default long byteLength(int[] ids) {
    return decode(ids).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
  }

  /** The ids of one whole document: its text's ids between the configured markers. */
  default int[] encodeDocument(String text) {
    int[] body = encode(text);
    int bos = bosId() >= 0 ? 1 : 0;
    int eos = eosId() >= 0 ? 1 : 0;
    int[] out = new int[body.length + bos + eos];
    if (bos == 1) {
      out[0] = bosId();
    }
    System.arraycopy(body, 0, out, bos, body.length);
    if (eos == 1) {
      out[out.length - 1] = eosId();
    }
    return out;
  }
}
