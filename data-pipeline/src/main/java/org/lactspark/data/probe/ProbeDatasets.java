package org.lactspark.data.probe;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.lactspark.data.Hashing;
import org.lactspark.data.dataset.Manifest;
import org.lactspark.data.dataset.ShardFormat;
import org.lactspark.data.dataset.ShardWriter;
import org.lactspark.data.tokenize.Tokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes probe datasets: one split per {@link Probe}, named after it ({@code niah-L4096-d0.50},
 * {@code mqar-L4096-k16}), each one shard ({@code <split>-00000.lseq}) of {@code examples}
 * examples, every example one document with its answer spans; then the manifest, last. The
 * manifest's sequence length is the longest probe's, so all splits share one reader. Equal
 * arguments write byte-identical files: each example's seed is derived from the dataset's seed,
 * the split name and the example's index, never from the order of the probes.
 */
public final class ProbeDatasets {
  private static final Logger LOG = LoggerFactory.getLogger(ProbeDatasets.class);
  private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  private ProbeDatasets() {}

  /**
   * Writes the probe dataset into {@code dir} (created if missing) and returns its manifest.
   *
   * @param dir the dataset directory
   * @param probes one split each, names distinct
   * @param examples examples per split, at least 1
   * @param seed the dataset's seed
   * @param tokenizer the tokenizer of the model to evaluate (the one its training data used)
   * @param tokenizerSha256 the SHA-256 of the tokenizer's definition for the manifest, or empty
   *     for a built-in one (as the training dataset's manifest records it)
   * @param overwrite whether to replace a dataset already in {@code dir}: its manifest is deleted
   *     first, so a run that stops half-way leaves no directory that looks complete, and shards of
   *     the same names are rewritten (other files are left as they are)
   * @throws FileAlreadyExistsException if {@code dir} holds a manifest and {@code overwrite} is false
   * @throws IllegalArgumentException naming the parameter: no probes, names repeated or not plain,
   *     examples below 1, a probe that does not fit its length in this tokenizer
   */
  public static Manifest write(Path dir, List<? extends Probe> probes, int examples, long seed, Tokenizer tokenizer,
      String tokenizerSha256, boolean overwrite) throws IOException {
    check(probes, examples);
    prepare(dir, overwrite);
    int sequenceLength = probes.stream().mapToInt(Probe::length).max().orElseThrow();
    int tokenBytes = ShardFormat.tokenBytesFor(tokenizer.vocabSize());
    Map<String, List<Manifest.Shard>> splits = new LinkedHashMap<>();
    long tokens = 0;
    for (Probe p : probes) {
      Manifest.Shard shard = writeSplit(dir, p, examples, seed, tokenizer, tokenBytes, sequenceLength);
      splits.put(p.name(), List.of(shard));
      tokens += shard.tokens();
    }
    long sequences = (long) examples * probes.size();
    Manifest m = new Manifest(ShardFormat.VERSION, config(probes, examples, seed),
        new Manifest.Tokenizer(tokenizer.name(), tokenizer.vocabSize(), tokenizerSha256), sequenceLength, tokenBytes,
        splits, new Manifest.Counts(sequences, tokens, sequences, sequences * sequenceLength - tokens));
    m.writeTo(dir);
    LOG.debug("probe dataset {}: {} splits of {} examples, {} tokens", dir, probes.size(), examples, tokens);
    return m;
  }

  /** Creates {@code dir}, or clears the way in it: its manifest goes first, so it never looks complete. */
  private static void prepare(Path dir, boolean overwrite) throws IOException {
    Files.createDirectories(dir);
    Path existing = dir.resolve(Manifest.FILE);
    if (Files.exists(existing)) {
      if (!overwrite) {
        throw new FileAlreadyExistsException(existing.toString(), null,
            "already holds a dataset; pass overwrite to replace it");
      }
      Files.delete(existing);
    }
  }

  private static void check(List<? extends Probe> probes, int examples) {
    if (probes.isEmpty()) {
      throw new IllegalArgumentException("probes: none given");
    }
    Params.atLeast("examples", examples, 1);
    Set<String> names = new HashSet<>();
    for (Probe p : probes) {
      if (!PLAIN_NAME.matcher(p.name()).matches() || p.name().equals(Manifest.FILE)) {
        throw new IllegalArgumentException("probes: split name '" + p.name() + "' of " + p + " is not a plain name");
      }
      if (!names.add(p.name())) {
        throw new IllegalArgumentException("probes: two probes are named " + p.name() + " (" + p + ")");
      }
    }
  }

  private static Manifest.Shard writeSplit(Path dir, Probe probe, int examples, long seed, Tokenizer tokenizer,
      int tokenBytes, int sequenceLength) throws IOException {
    String file = probe.name() + "-00000.lseq";
    try (OutputStream out = Files.newOutputStream(dir.resolve(file));
        ShardWriter w = new ShardWriter(out, tokenBytes, sequenceLength)) {
      for (int i = 0; i < examples; i++) {
        w.write(probe.generate(tokenizer, exampleSeed(seed, probe.name(), i)).toSequence());
      }
      ShardWriter.Summary s = w.finish();
      LOG.debug("probe split {}: {} examples, {} tokens in {}", probe.name(), s.records(), s.tokens(), file);
      return new Manifest.Shard(file, s.records(), s.tokens(), s.bytes(), s.sha256());
    }
  }

  /** Example {@code index}'s seed in split {@code split}: SplitMix64 over the three. */
  static long exampleSeed(long seed, String split, int index) {
    long h = Hashing.mix(seed + 0x9E3779B97F4A7C15L * split.hashCode()); // String.hashCode is fixed by the JLS
    return Hashing.mix(h + 0x9E3779B97F4A7C15L * (index + 1L));
  }


  /** What produced the dataset: the seed, the examples, and every probe's parameters by split. */
  private static Map<String, String> config(List<? extends Probe> probes, int examples, long seed) {
    Map<String, String> c = new TreeMap<>();
    c.put("probe.examples", Integer.toString(examples));
    c.put("probe.seed", Long.toString(seed));
    for (Probe p : probes) {
      c.put("probe.split." + p.name(), p.toString());
    }
    return c;
  }
}
