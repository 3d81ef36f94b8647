package org.lactspark.data.tokenize;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.ObjectStreamException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.lactspark.data.dataset.Manifest;

/**
 * An immutable, serialisable description of a tokenizer, for Spark to ship to executors: the
 * byte tokenizer, or a Hugging Face tokenizer.json carried as its bytes. {@link #open()} builds
 * the tokenizer once per JVM and shares it (tokenizers are thread-safe), so an executor's tasks
 * load a file once. The bytes travel with every serialised copy: for a large file, broadcast the
 * spec rather than capture it in each task's closure.
 *
 * <p>Equal specs (same kind, source name, file SHA-256 and marker options) open to the same
 * instance.
 */
public final class TokenizerSpec implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Opened tokenizers by spec key; they live for the JVM (Spark executors never close them). */
  private static final ConcurrentMap<Key, Tokenizer> OPEN = new ConcurrentHashMap<>();

  /** What kind of tokenizer a spec describes. */
  public enum Kind {
    /** {@link ByteTokenizer}. */
    BYTES,
    /** {@link HuggingFaceTokenizer}. */
    HUGGING_FACE
  }

  private final Kind kind;
  private final String sourceName;
  private final byte[] json;
  private final boolean bos;
  private final boolean eos;
  private final String bosToken;
  private final String eosToken;
  /** Recomputed on deserialisation ({@link #readResolve}), so it always matches the bytes. */
  private final transient String sha256;

  private TokenizerSpec(Kind kind, String sourceName, byte[] json, boolean bos, boolean eos, String bosToken,
      String eosToken) {
    this.kind = kind;
    this.sourceName = sourceName;
    this.json = json;
    this.bos = bos;
    this.eos = eos;
    this.bosToken = bosToken;
    this.eosToken = eosToken;
    this.sha256 = json == null ? "" : sha256(json);
  }

  /** The byte tokenizer ({@link ByteTokenizer}) with or without BOS and EOS markers. */
  public static TokenizerSpec bytes(boolean bos, boolean eos) {
    return new TokenizerSpec(Kind.BYTES, "", null, bos, eos, null, null);
  }

  /**
   * A Hugging Face tokenizer.json (copied). What can be checked without parsing is checked here;
   * {@link #open()} checks the file itself.
   *
   * @param sourceName the name recorded as {@code hf:sourceName}
   * @param json the file's bytes
   * @param bos whether documents get a BOS marker
   * @param eos whether documents get an EOS marker
   * @param bosToken the BOS token's text, or null to detect it (needs {@code bos})
   * @param eosToken the EOS token's text, or null to detect it (needs {@code eos})
   * @throws IllegalArgumentException when the name is blank, the bytes are empty, or a token is
   *     named for a marker that is not asked for
   */
  public static TokenizerSpec huggingFace(String sourceName, byte[] json, boolean bos, boolean eos, String bosToken,
      String eosToken) {
    Objects.requireNonNull(json, "json");
    return checked(new TokenizerSpec(Kind.HUGGING_FACE, sourceName, json.clone(), bos, eos, bosToken, eosToken));
  }

  /**
   * A Hugging Face tokenizer.json file (or a directory's {@code tokenizer.json}), named by
   * {@link HuggingFaceTokenizer#sourceNameOf}.
   *
   * @see #huggingFace(String, byte[], boolean, boolean, String, String)
   * @throws IOException when the file cannot be read
   */
  public static TokenizerSpec huggingFace(Path file, boolean bos, boolean eos, String bosToken, String eosToken)
      throws IOException {
    Path json = Files.isDirectory(file) ? file.resolve("tokenizer.json") : file;
    return huggingFace(HuggingFaceTokenizer.sourceNameOf(json), Files.readAllBytes(json), bos, eos, bosToken,
        eosToken);
  }

  private static TokenizerSpec checked(TokenizerSpec s) {
    if (s.sourceName == null || s.sourceName.isBlank()) {
      throw new IllegalArgumentException("a Hugging Face tokenizer needs a source name");
    }
    if (s.json.length == 0) {
      throw new IllegalArgumentException("tokenizer file '" + s.sourceName + "' is empty");
    }
    checkToken(s.sourceName, "BOS", s.bos, s.bosToken);
    checkToken(s.sourceName, "EOS", s.eos, s.eosToken);
    return s;
  }

  private static void checkToken(String sourceName, String role, boolean wanted, String token) {
    if (token != null && (token.isEmpty() || !wanted)) {
      throw new IllegalArgumentException("tokenizer '" + sourceName + "': " + role + " token \"" + token + "\" "
          + (token.isEmpty() ? "is empty" : "is named but documents get no " + role + " marker"));
    }
  }

  /**
   * The tokenizer, built on first use in this JVM and shared by equal specs afterwards.
   *
   * @throws IllegalArgumentException naming the source when the file is not a usable tokenizer.json
   *     (nothing is cached then)
   */
  public Tokenizer open() {
    return OPEN.computeIfAbsent(key(), k -> create());
  }

  private Tokenizer create() {
    return kind == Kind.BYTES
        ? new ByteTokenizer(bos, eos)
        : HuggingFaceTokenizer.load(sourceName, json, bos, eos, bosToken, eosToken);
  }

  /** The tokenizer's identity for a dataset's manifest (opens it for its vocabulary size). */
  public Manifest.Tokenizer identity() {
    Tokenizer t = open();
    return new Manifest.Tokenizer(t.name(), t.vocabSize(), sha256);
  }

  /** The kind of tokenizer. */
  public Kind kind() {
    return kind;
  }

  /** The SHA-256 of the definition file in lower-case hex, or empty for the byte tokenizer. */
  public String sha256() {
    return sha256;
  }

  private Key key() {
    return new Key(kind, sourceName, sha256, bos, eos, bosToken, eosToken);
  }

  /** Everything that makes two specs open to the same tokenizer; the digest stands for the bytes. */
  private record Key(Kind kind, String sourceName, String sha256, boolean bos, boolean eos, String bosToken,
      String eosToken) {}

  @Override
  public boolean equals(Object o) {
    return o instanceof TokenizerSpec other && key().equals(other.key());
  }

  @Override
  public int hashCode() {
    return key().hashCode();
  }

  @Override
  public String toString() {
    if (kind == Kind.BYTES) {
      return "TokenizerSpec[bytes, bos=" + bos + ", eos=" + eos + "]";
    }
    return "TokenizerSpec[hf:" + sourceName + ", sha256=" + sha256 + ", " + json.length + " bytes, bos="
        + marker(bos, bosToken) + ", eos=" + marker(eos, eosToken) + "]";
  }

  private static String marker(boolean wanted, String token) {
    return !wanted ? "none" : token == null ? "detect" : token;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    if (kind == null || (kind == Kind.HUGGING_FACE) != (json != null)) {
      throw new InvalidObjectException("a tokenizer spec needs a kind, and bytes exactly when it is Hugging Face");
    }
  }

  /** Rebuilds through the checks, with the digest recomputed from the bytes that arrived. */
  private Object readResolve() throws ObjectStreamException {
    try {
      return kind == Kind.BYTES
          ? bytes(bos, eos)
          : checked(new TokenizerSpec(kind, sourceName, json, bos, eos, bosToken, eosToken));
    } catch (IllegalArgumentException e) {
      InvalidObjectException invalid = new InvalidObjectException(e.getMessage());
      invalid.initCause(e);
      throw invalid;
    }
  }
}
