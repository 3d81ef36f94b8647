package org.lactspark.data.tokenize;

import ai.djl.engine.EngineException;
import ai.djl.huggingface.tokenizers.Encoding;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Hugging Face {@code tokenizer.json} (BPE, Unigram, WordLevel or WordPiece: whatever the Rust
 * tokenizers library reads), run through DJL's binding of that library.
 *
 * <p>{@link #encode} gives the model's ids only: the file's own special tokens (its post-processor)
 * are not added, and its truncation and padding are turned off; document markers are
 * {@link Tokenizer#encodeDocument}'s job. Added tokens written literally in the text (such as
 * {@code <|endoftext|>}) still become their ids, as in the Python library.
 *
 * <p>One instance is safe to share between threads without locking: the Rust tokenizer's encode
 * and decode only read it (its BPE cache has its own lock) and DJL sets truncation and padding once,
 * at load. A read-write lock keeps {@link #close} from freeing the native tokenizer under a running
 * call. Instances made by {@link TokenizerSpec#open()} live for the JVM and must not be closed.
 */
public final class HuggingFaceTokenizer implements Tokenizer, AutoCloseable {
  /** BOS tokens looked for, in order, when none is named; {@code [CLS]} only when none of these is there. */
  static final List<String> BOS_NAMES = List.of("<s>", "<|begin_of_text|>", "<bos>", "<|endoftext|>");
  /** EOS tokens looked for, in order, when none is named; {@code [SEP]} only when none of these is there. */
  static final List<String> EOS_NAMES = List.of("</s>", "<|end_of_text|>", "<eos>", "<|endoftext|>");

  private static final Logger LOG = LoggerFactory.getLogger(HuggingFaceTokenizer.class);

  private final String sourceName;
  private final String origin;
  private final ai.djl.huggingface.tokenizers.HuggingFaceTokenizer lib;
  private final int vocabSize;
  private final int bosId;
  private final int eosId;
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  private HuggingFaceTokenizer(String sourceName, String origin, ai.djl.huggingface.tokenizers.HuggingFaceTokenizer lib,
      int vocabSize, int bosId, int eosId) {
    this.sourceName = sourceName;
    this.origin = origin;
    this.lib = lib;
    this.vocabSize = vocabSize;
    this.bosId = bosId;
    this.eosId = eosId;
  }

  /**
   * Loads a tokenizer.json from memory.
   *
   * @param sourceName the name recorded as {@code hf:sourceName} and used in messages
   * @param json the file's bytes (UTF-8)
   * @param bos whether documents get a BOS marker
   * @param eos whether documents get an EOS marker
   * @param bosToken the BOS token's text, or null to detect it ({@link #BOS_NAMES}, then {@code [CLS]})
   * @param eosToken the EOS token's text, or null to detect it ({@link #EOS_NAMES}, then {@code [SEP]})
   * @return the tokenizer, to be closed by its owner
   * @throws IllegalArgumentException naming the source when the file is not a tokenizer.json the
   *     library reads, or a marker asked for is not in it
   */
  public static HuggingFaceTokenizer load(String sourceName, byte[] json, boolean bos, boolean eos, String bosToken,
      String eosToken) {
    Objects.requireNonNull(sourceName, "sourceName");
    Objects.requireNonNull(json, "json");
    return load(sourceName, "tokenizer file '" + sourceName + "'", json, bos, eos, bosToken, eosToken);
  }

  /**
   * Loads a tokenizer.json file, or the {@code tokenizer.json} in a directory. Its source name is
   * {@link #sourceNameOf the directory's name}.
   *
   * @see #load(String, byte[], boolean, boolean, String, String)
   * @throws IOException when the file cannot be read
   */
  public static HuggingFaceTokenizer load(Path file, boolean bos, boolean eos, String bosToken, String eosToken)
      throws IOException {
    Path json = jsonFile(file);
    return load(sourceNameOf(json), "tokenizer file " + json, Files.readAllBytes(json), bos, eos, bosToken, eosToken);
  }

  /**
   * The source name of a tokenizer file: the name of its directory when the file is the usual
   * {@code tokenizer.json} of a model directory (where the model's name is), else the file's name
   * without {@code .json}.
   */
  public static String sourceNameOf(Path file) {
    Path json = jsonFile(file);
    String name = String.valueOf(json.getFileName());
    Path parent = json.toAbsolutePath().getParent();
    if ("tokenizer.json".equals(name) && parent != null && parent.getFileName() != null) {
      return parent.getFileName().toString();
    }
    return name.endsWith(".json") ? name.substring(0, name.length() - ".json".length()) : name;
  }

  private static Path jsonFile(Path file) {
    return Files.isDirectory(file) ? file.resolve("tokenizer.json") : file;
  }

  static HuggingFaceTokenizer load(String sourceName, String origin, byte[] json, boolean bos, boolean eos,
      String bosToken, String eosToken) {
    long start = System.nanoTime();
    TokenizerJson file = TokenizerJson.parse(origin, json);
    ai.djl.huggingface.tokenizers.HuggingFaceTokenizer lib = openLibrary(origin, file.text());
    try {
      Map<String, Integer> added = actualAddedIds(origin, lib, file);
      int vocabSize = Math.max(file.modelVocabSize(), added.values().stream().mapToInt(i -> i + 1).max().orElse(0));
      int bosId = bos ? markerId(origin, file, added, "BOS", bosToken, BOS_NAMES, "[CLS]") : -1;
      int eosId = eos ? markerId(origin, file, added, "EOS", eosToken, EOS_NAMES, "[SEP]") : -1;
      LOG.debug("loaded {}: {} model, {} ids, BOS {}, EOS {}, in {} ms", origin, file.modelType(), vocabSize, bosId,
          eosId, (System.nanoTime() - start) / 1_000_000);
      return new HuggingFaceTokenizer(sourceName, origin, lib, vocabSize, bosId, eosId);
    } catch (RuntimeException e) {
      lib.close();
      throw e;
    }
  }

  /** DJL's tokenizer without its special tokens, truncation or padding; Rust's complaints named. */
  private static ai.djl.huggingface.tokenizers.HuggingFaceTokenizer openLibrary(String origin, String json) {
    DjlTokenizerSetup.prepare();
    Map<String, String> options = Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");
    try {
      return ai.djl.huggingface.tokenizers.HuggingFaceTokenizer.newInstance(
          new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), options);
    } catch (EngineException e) {
      throw new IllegalStateException("the Hugging Face tokenizers native library (DJL) did not load on "
          + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + "; its jar bundles Linux x86_64 and "
          + "aarch64 CPU builds", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // reading a byte array does no I/O
    } catch (RuntimeException e) {
      throw TokenizerJson.invalid(origin, "was rejected by the tokenizers library: " + e.getMessage());
    }
  }

  /**
   * The ids the library gave the added tokens. It does not take the file's ids on trust: one
   * already in the model's vocabulary keeps that id, and the others are numbered after the largest
   * so far, whatever the file says. Encoding a token's own text yields its id.
   */
  private static Map<String, Integer> actualAddedIds(String origin,
      ai.djl.huggingface.tokenizers.HuggingFaceTokenizer lib, TokenizerJson file) {
    Map<String, Integer> ids = new LinkedHashMap<>();
    for (Map.Entry<String, Integer> e : file.addedTokens().entrySet()) {
      int id = ownId(lib, e.getKey()).orElse(e.getValue());
      if (id != e.getValue()) {
        LOG.debug("{}: added token {} has id {} in the library, {} in the file", origin, e.getKey(), id, e.getValue());
      }
      ids.put(e.getKey(), id);
    }
    return ids;
  }

  /** The id that the text of an added token encodes to, when it is that one token. */
  private static OptionalInt ownId(ai.djl.huggingface.tokenizers.HuggingFaceTokenizer lib, String token) {
    try {
      Encoding encoding = lib.encode(token, false, false);
      boolean itself = encoding.getIds().length == 1 && token.equals(encoding.getTokens()[0]);
      return itself ? OptionalInt.of(Math.toIntExact(encoding.getIds()[0])) : OptionalInt.empty();
    } catch (RuntimeException e) {
      return OptionalInt.empty();
    }
  }

  private static int markerId(String origin, TokenizerJson file, Map<String, Integer> added, String role,
      String named, List<String> usual, String lastResort) {
    if (named != null) {
      return idOf(file, added, named).orElseThrow(() -> TokenizerJson.invalid(origin, "has no token \"" + named
          + "\" (asked for as " + role + ") among its added tokens or vocabulary"));
    }
    List<String> tried = new ArrayList<>(usual);
    tried.add(lastResort);
    for (String token : tried) {
      OptionalInt id = idOf(file, added, token);
      if (id.isPresent()) {
        return id.getAsInt();
      }
    }
    throw TokenizerJson.invalid(origin, "has no " + role + " token: looked for " + String.join(", ", tried)
        + " among its added tokens and vocabulary; name the " + role + " token to use");
  }

  private static OptionalInt idOf(TokenizerJson file, Map<String, Integer> added, String token) {
    Integer id = added.get(token);
    return id != null ? OptionalInt.of(id) : file.vocabId(token);
  }

  @Override
  public String name() {
    return "hf:" + sourceName;
  }

  @Override
  public int vocabSize() {
    return vocabSize;
  }

  @Override
  public int bosId() {
    return bosId;
  }

  @Override
  public int eosId() {
    return eosId;
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException naming the source when the library cannot encode the text
   *     (a model without an unknown token meeting an unknown piece)
   */
  @Override
  public int[] encode(String text) {
    Objects.requireNonNull(text, "text");
    long[] ids = call(t -> {
      try {
        return t.encode(text, false, false).getIds();
      } catch (RuntimeException e) {
        throw TokenizerJson.invalid(origin, "cannot encode a text of " + text.length() + " chars: " + e.getMessage());
      }
    });
    return toInts(ids);
  }

  private int[] toInts(long[] ids) {
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= vocabSize) {
        throw new IllegalStateException(origin + " gave id " + ids[i] + ", outside its " + vocabSize + " ids");
      }
      out[i] = (int) ids[i];
    }
    return out;
  }

  /**
   * {@inheritDoc} Other special tokens are decoded as their text.
   *
   * @throws IllegalArgumentException when an id is outside {@code [0, vocabSize())}
   */
  @Override
  public String decode(int[] ids) {
    long[] kept = new long[ids.length];
    int n = 0;
    for (int i = 0; i < ids.length; i++) {
      int id = ids[i];
      if (id < 0 || id >= vocabSize) {
        throw new IllegalArgumentException("token " + id + " at " + i + " is not in the vocabulary of " + name());
      }
      if (id != bosId && id != eosId) {
        kept[n++] = id;
      }
    }
    long[] body = Arrays.copyOf(kept, n);
    return call(t -> t.decode(body, false));
  }

  /** Frees the native tokenizer; later calls throw {@link IllegalStateException}. Idempotent. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        lib.close();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  private <T> T call(Function<ai.djl.huggingface.tokenizers.HuggingFaceTokenizer, T> f) {
    lock.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException(name() + " is closed");
      }
      return f.apply(lib);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public String toString() {
    return name() + " (" + vocabSize + " ids, BOS " + bosId + ", EOS " + eosId + ")";
  }
}
