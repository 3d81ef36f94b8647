package org.lactspark.data.tokenize;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The self-contained default: each UTF-8 byte of the text is one token (ids 0 to 255), so any text
 * encodes without a vocabulary file and decodes back exactly. Document markers, when asked for,
 * take the ids after the bytes (256 for BOS, then EOS), so the vocabulary is 256, 257 or 258.
 */
public final class ByteTokenizer implements Tokenizer {
  private final boolean bos;
  private final boolean eos;

  /** A byte tokenizer with or without BOS and EOS markers around each document. */
  public ByteTokenizer(boolean bos, boolean eos) {
    this.bos = bos;
    this.eos = eos;
  }

  @Override
  public String name() {
    return "byte" + (bos ? "+bos" : "") + (eos ? "+eos" : "");
  }

  @Override
  public int vocabSize() {
    return 256 + (bos ? 1 : 0) + (eos ? 1 : 0);
  }

  @Override
  public int bosId() {
    return bos ? 256 : -1;
  }

  @Override
  public int eosId() {
    return eos ? (bos ? 257 : 256) : -1;
  }

  @Override
  public int[] encode(String text) {
    return encodeBytes(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The ids of raw bytes (one per byte). */
  public int[] encodeBytes(byte[] bytes) {
    int[] ids = new int[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      ids[i] = Byte.toUnsignedInt(bytes[i]);
    }
    return ids;
  }

  /** The bytes of ids; markers are dropped, and any other id outside 0..255 is an error. */
  public byte[] decodeBytes(int[] ids) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length);
    for (int i = 0; i < ids.length; i++) {
      int id = ids[i];
      if (id >= 0 && (id == bosId() || id == eosId())) { // -1 means no marker, not a marker id
        continue;
      }
      if (id < 0 || id > 255) {
        throw new IllegalArgumentException("token " + id + " at " + i + " is not a byte or a marker of " + name());
      }
      out.write(id);
    }
    return out.toByteArray();
  }

  @Override
  public String decode(int[] ids) {
    return new String(decodeBytes(ids), StandardCharsets.UTF_8);
  }

  /** One byte per id below 256; markers count none. */
  @Override
  public long byteLength(int[] ids) {
    long n = 0;
    for (int id : ids) {
      if (id >= 0 && id < 256) {
        n++;
      }
    }
    return n;
  }
}
