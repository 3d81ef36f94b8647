package org.lactspark.data.dataset;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A dataset's manifest ({@value #FILE}): what produced it (the prepare configuration, with where
 * each value came from), the tokenizer's identity, the shard layout, the counts, and each shard's
 * record count, size and SHA-256. A dataset directory is complete exactly when its manifest
 * exists: the manifest is written last, under a temporary name moved into place.
 *
 * @param formatVersion the shard layout version ({@link ShardFormat#VERSION})
 * @param config the prepare configuration, key to value (sorted, so equal configs write equal bytes)
 * @param configSources where each configuration value came from (a file and line, the command
 *     line, a default), so a dataset says how it was made
 * @param tokenizer the tokenizer's identity
 * @param sequenceLength tokens per sequence at most
 * @param tokenBytes bytes per token id in the shards
 * @param splits shards by split name ({@code train}, {@code validation}), in reading order
 * @param counts totals over the dataset
 * @param skipped input left out, by reason (bad input under {@code onBadInput=skip}, blank
 *     documents), so a dataset never hides what it lost
 */
public record Manifest(int formatVersion, Map<String, String> config, Map<String, String> configSources,
    Tokenizer tokenizer, int sequenceLength, int tokenBytes, Map<String, List<Shard>> splits, Counts counts,
    Map<String, Long> skipped) {

  /** The manifest's file name in a dataset directory. */
  public static final String FILE = "manifest.json";

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /**
   * The tokenizer a dataset was made with.
   *
   * @param name its kind and name, e.g. {@code byte} or {@code hf:llama-2}
   * @param vocabSize ids are in {@code [0, vocabSize)}
   * @param sha256 the SHA-256 of its definition file, or empty for a built-in one
   */
  public record Tokenizer(String name, int vocabSize, String sha256) {}

  /**
   * One shard: its file name (relative to the dataset directory) and what {@link ShardWriter}
   * reported for it.
   */
  public record Shard(String file, long records, long tokens, long bytes, String sha256) {}

  /** Totals: source documents, their tokens, sequences, and the padding sequences would need to reach L. */
  public record Counts(long documents, long tokens, long sequences, long paddingTokens) {}

  /** Validates the manifest's own consistency. */
  public Manifest {
    if (formatVersion != ShardFormat.VERSION) {
      throw new IllegalArgumentException("manifest: format version " + formatVersion + ", this reader knows "
          + ShardFormat.VERSION);
    }
    if (tokenBytes != ShardFormat.tokenBytesFor(tokenizer.vocabSize())) {
      throw new IllegalArgumentException("manifest: token bytes " + tokenBytes + " do not match vocabulary size "
          + tokenizer.vocabSize());
    }
    if (sequenceLength < 1) {
      throw new IllegalArgumentException("manifest: sequence length " + sequenceLength);
    }
    for (Map.Entry<String, List<Shard>> e : splits.entrySet()) {
      for (Shard s : e.getValue()) {
        if (s.file().contains("/") || s.file().contains("\\") || s.file().startsWith(".")) {
          throw new IllegalArgumentException("manifest: split " + e.getKey() + ": shard file '" + s.file()
              + "' must be a plain name inside the dataset directory");
        }
      }
    }
    config = new TreeMap<>(config);
    configSources = configSources == null ? Map.of() : new TreeMap<>(configSources);
    splits = new TreeMap<>(splits);
    skipped = skipped == null ? Map.of() : new TreeMap<>(skipped);
  }

  /** A manifest without configuration sources or skip counts (generated datasets). */
  public Manifest(int formatVersion, Map<String, String> config, Tokenizer tokenizer, int sequenceLength,
      int tokenBytes, Map<String, List<Shard>> splits, Counts counts) {
    this(formatVersion, config, Map.of(), tokenizer, sequenceLength, tokenBytes, splits, counts, Map.of());
  }

  /** The shards of {@code split} in reading order. */
  public List<Shard> shards(String split) {
    List<Shard> s = splits.get(split);
    if (s == null) {
      throw new IllegalArgumentException("no split '" + split + "' in this dataset (it has " + splits.keySet() + ")");
    }
    return s;
  }

  /** The manifest as JSON bytes (equal manifests give equal bytes). */
  public byte[] toJson() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("manifest not serialisable", e);
    }
  }

  /**
   * Reads a manifest.
   *
   * @param source where it came from, for messages
   * @throws IOException naming the source if it is not a valid manifest
   */
  public static Manifest read(InputStream in, String source) throws IOException {
    try {
      return JSON.readValue(in, Manifest.class);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new IOException(source + ": not a valid dataset manifest (" + e.getMessage() + ")", e);
    }
  }

  /**
   * Writes this manifest into {@code dir} last and atomically: to a temporary file, then moved to
   * {@value #FILE}, so a run that stops earlier never leaves a directory that looks complete.
   */
  public void writeTo(Path dir) throws IOException {
    Path tmp = Files.createTempFile(dir, FILE, ".partial");
    try {
      Files.write(tmp, toJson());
      try {
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
