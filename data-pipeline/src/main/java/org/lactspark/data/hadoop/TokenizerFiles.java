package org.lactspark.data.hadoop;

import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.lactspark.conf.ConfigException;
import org.lactspark.data.tokenize.TokenizerSpec;

/** Loads a tokenizer named by configuration: {@code byte}, or a tokenizer.json on any Hadoop filesystem. */
public final class TokenizerFiles {
  /** The value that names the built-in byte tokenizer. */
  public static final String BYTE = "byte";
  /** The largest tokenizer.json read (bytes). */
  private static final long MAX_BYTES = 256L << 20;

  private TokenizerFiles() {}

  /**
   * The tokenizer {@code value} names, checked by loading it.
   *
   * @param bosToken the BOS token's text, empty to detect it
   * @param eosToken the EOS token's text, empty to detect it
   * @param source where {@code value} came from, for messages
   * @throws ConfigException naming the key {@code tokenizer} if the file cannot be read or is not a tokenizer
   */
  public static TokenizerSpec load(String value, boolean bos, boolean eos, String bosToken, String eosToken,
      String source, Configuration conf) {
    if (BYTE.equals(value)) {
      return TokenizerSpec.bytes(bos, eos);
    }
    try {
      Path p = new Path(value);
      FileSystem fs = p.getFileSystem(conf);
      long size = fs.getFileStatus(p).getLen();
      if (size > MAX_BYTES) {
        throw new ConfigException("tokenizer", value, source, "a file of " + size + " bytes is too large for a "
            + "tokenizer.json");
      }
      byte[] json;
      try (InputStream in = fs.open(p)) {
        json = in.readAllBytes();
      }
      TokenizerSpec spec = TokenizerSpec.huggingFace(sourceName(p), json, bos, eos,
          bosToken.isEmpty() ? null : bosToken, eosToken.isEmpty() ? null : eosToken);
      spec.open();
      return spec;
    } catch (IOException e) {
      throw new ConfigException("tokenizer", value, source, "cannot be read: " + e);
    } catch (ConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new ConfigException("tokenizer", value, source, e.getMessage());
    }
  }

  /** A tokenizer file's name for manifests: its directory's for {@code .../name/tokenizer.json}. */
  static String sourceName(Path p) {
    String n = p.getName();
    if (n.equals("tokenizer.json") && p.getParent() != null && !p.getParent().getName().isEmpty()) {
      return p.getParent().getName();
    }
    return n.endsWith(".json") ? n.substring(0, n.length() - 5) : n;
  }
}
