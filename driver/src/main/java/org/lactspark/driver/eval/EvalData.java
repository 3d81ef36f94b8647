package org.lactspark.driver.eval;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.lactspark.conf.ConfigException;
import org.lactspark.conf.ModelConfig;
import org.lactspark.data.dataset.Manifest;
import org.lactspark.data.hadoop.HadoopShardSource;
import org.lactspark.data.hadoop.TokenizerFiles;
import org.lactspark.data.tokenize.TokenizerSpec;

/**
 * A dataset to evaluate on, checked before any Spark job: its manifest, the splits scored, and
 * the tokenizer (for per-byte loss) when it can be loaded.
 *
 * @param location where it is
 * @param manifest its manifest
 * @param splits the splits scored (one for a dataset, every split for probes)
 * @param tokenizer the tokenizer that made it, or null when it cannot be loaded (then a note says so)
 * @param notes what the reader should know (a tokenizer that could not be loaded)
 */
public record EvalData(String location, Manifest manifest, List<String> splits, TokenizerSpec tokenizer, List<String> notes) {

  /**
   * Opens the dataset named by key {@code key} and checks split {@code split} (null: every split,
   * as for probes) holds sequences.
   *
   * @throws ConfigException naming the key: no dataset there, no such split, an empty split
   */
  static EvalData open(String key, String location, String source, String split, Configuration conf) {
    Manifest m = manifest(key, location, source, conf);
    List<String> splits = split == null ? new ArrayList<>(m.splits().keySet()) : List.of(split);
    if (splits.isEmpty()) {
      throw new ConfigException(key, location, source, "the dataset has no splits");
    }
    for (String s : splits) {
      long n;
      try {
        n = m.shards(s).stream().mapToLong(Manifest.Shard::records).sum();
      } catch (IllegalArgumentException e) {
        throw new ConfigException(key, location, source, e.getMessage());
      }
      if (n == 0) {
        throw new ConfigException(key, location, source, "split '" + s + "' holds no sequences: nothing to evaluate");
      }
    }
    List<String> notes = new ArrayList<>();
    TokenizerSpec tok = split == null ? null : tokenizer(m, location, conf, notes);
    if (split != null && tok == null) {
      notes.add(location + ": the bytes behind each token are unknown, so there is no per-byte loss");
    }
    return new EvalData(location, m, List.copyOf(splits), tok, notes);
  }

  /** The manifest at {@code location}, or a message naming the key. */
  static Manifest manifest(String key, String location, String source, Configuration conf) {
    try (InputStream in = new HadoopShardSource(location, conf).open(Manifest.FILE)) {
      return Manifest.read(in, location + "/" + Manifest.FILE);
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(key, location, source,
          "is not a prepared dataset (bin/lact prepare writes one): " + e.getMessage());
    }
  }

  /**
   * The tokenizer the dataset at {@code location} was made with (for {@code bin/lact generate}).
   *
   * @throws ConfigException naming {@code key} when the dataset or its tokenizer cannot be read, or
   *     the tokenizer file has changed since
   */
  public static TokenizerSpec tokenizerOf(String key, String location, String source, Configuration conf) {
    Manifest m = manifest(key, location, source, conf);
    List<String> notes = new ArrayList<>();
    TokenizerSpec t = tokenizer(m, location, conf, notes);
    if (t == null) {
      throw new ConfigException(key, location, source, String.join("; ", notes));
    }
    return t;
  }

  /**
   * The tokenizer a dataset's manifest records, loaded again so tasks can count bytes; null (and a
   * note) when its file is gone or has changed since.
   */
  private static TokenizerSpec tokenizer(Manifest m, String location, Configuration conf, List<String> notes) {
    Map<String, String> c = m.config();
    String name = c.get("tokenizer");
    if (name == null) {
      if (m.tokenizer().name().startsWith(TokenizerFiles.BYTE)) {
        return TokenizerSpec.bytes(m.tokenizer().name().contains("+bos"), m.tokenizer().name().contains("+eos"));
      }
      notes.add(location + ": the manifest does not say where its tokenizer is");
      return null;
    }
    try {
      TokenizerSpec t = TokenizerFiles.load(name, Boolean.parseBoolean(c.get("bos")), Boolean.parseBoolean(c.get("eos")),
          c.getOrDefault("bosToken", ""), c.getOrDefault("eosToken", ""), location + "/" + Manifest.FILE, conf);
      if (!t.identity().equals(m.tokenizer())) {
        notes.add(location + ": the tokenizer at " + name + " is not the one the dataset was made with ("
            + t.identity() + " against " + m.tokenizer() + ")");
        return null;
      }
      return t;
    } catch (RuntimeException e) {
      notes.add(location + ": its tokenizer could not be loaded (" + e.getMessage() + ")");
      return null;
    }
  }

  /**
   * Checks that {@code model} can read this data: the tokenizer's ids fit its vocabulary and, when
   * the model's training dataset is readable, both were tokenised alike.
   *
   * @throws ConfigException naming the key when they do not fit
   */
  void checkAgainst(EvalModel model, String key, String source, Configuration conf) {
    ModelConfig mc = model.config();
    Manifest.Tokenizer t = manifest.tokenizer();
    if (t.vocabSize() > mc.vocabSize()) {
      throw new ConfigException(key, location, source, "tokenizer " + t.name() + " has " + t.vocabSize()
          + " ids but model '" + model.label() + "' (" + model.location() + ") has vocabSize " + mc.vocabSize());
    }
    String trainedOn = model.trainingDataset();
    if (trainedOn == null) {
      return;
    }
    Manifest train;
    try {
      train = manifest(key, trainedOn, source, conf);
    } catch (ConfigException e) {
      notes.add("model '" + model.label() + "' was trained on " + trainedOn
          + ", which is not readable now: its tokenizer could not be compared with this data's");
      return;
    }
    if (!train.tokenizer().equals(t)) {
      throw new ConfigException(key, location, source, "was tokenised with " + t + " but model '" + model.label()
          + "' was trained on " + trainedOn + ", tokenised with " + train.tokenizer()
          + ": prepare the data with the model's tokenizer");
    }
  }

  /** Sequences read from the scored splits when each is cut at {@code limit} (0: whole). */
  long sequences(long limit) {
    long n = 0;
    for (String s : splits) {
      long all = manifest.shards(s).stream().mapToLong(Manifest.Shard::records).sum();
      n += limit > 0 ? Math.min(limit, all) : all;
    }
    return n;
  }
}
