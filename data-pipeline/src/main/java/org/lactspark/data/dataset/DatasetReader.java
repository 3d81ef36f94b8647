package org.lactspark.data.dataset;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Streams the sequences of one split of a dataset, shard after shard, from a {@link Cursor}, so
 * a training run resumes exactly where it stopped. Every shard is checked against the manifest
 * (layout, record count, SHA-256); a shard with fewer records than the manifest says is an error.
 * Not thread-safe; one reader per consumer.
 */
public final class DatasetReader implements AutoCloseable {
  private final ShardSource source;
  private final Manifest manifest;
  private final List<Manifest.Shard> shards;
  private int shard;
  private ShardReader current;

  /**
   * A position in a split: the shard's index in the manifest's list and the record inside it.
   *
   * @param shard index of the shard in the split
   * @param record records already consumed in that shard
   */
  public record Cursor(int shard, long record) {
    /** The start of a split. */
    public static final Cursor START = new Cursor(0, 0);
  }

  private DatasetReader(ShardSource source, Manifest manifest, String split, List<Integer> subset, Cursor from)
      throws IOException {
    this.source = source;
    this.manifest = manifest;
    this.shards = select(manifest.shards(split), subset, source.describe() + ": split '" + split + "'");
    if (from.shard() < 0 || from.shard() > shards.size() || from.record() < 0
        || (from.shard() < shards.size() && from.record() > shards.get(from.shard()).records())) {
      throw new IllegalArgumentException(source.describe() + ": cursor " + from + " is outside split '" + split
          + "' (" + shards.size() + " shards)");
    }
    this.shard = from.shard();
    if (shard < shards.size()) {
      current = open(shard, from.record());
    }
  }

  /** Opens split {@code split} of the dataset at {@code source}, from {@code from}. */
  public static DatasetReader open(ShardSource source, String split, Cursor from) throws IOException {
    return open(source, split, null, from);
  }

  /**
   * Opens some shards of split {@code split}, read in the order given (for example the shards
   * {@code i} with {@code i % workers == rank}, so that workers share a split without overlap);
   * the cursor's shard counts positions in {@code shards}. Null reads them all.
   *
   * @throws IllegalArgumentException naming the split if an index is out of range or repeated
   */
  public static DatasetReader open(ShardSource source, String split, List<Integer> shards, Cursor from)
      throws IOException {
    Manifest m;
    try (InputStream in = source.open(Manifest.FILE)) {
      m = Manifest.read(in, source.describe() + "/" + Manifest.FILE);
    }
    return new DatasetReader(source, m, split, shards, from);
  }

  private static List<Manifest.Shard> select(List<Manifest.Shard> all, List<Integer> subset, String where) {
    if (subset == null) {
      return all;
    }
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    List<Manifest.Shard> out = new java.util.ArrayList<>();
    for (Integer i : subset) {
      if (i == null || i < 0 || i >= all.size() || !seen.add(i)) {
        throw new IllegalArgumentException(where + " has shards 0.." + (all.size() - 1) + ": shard " + i
            + (i != null && seen.contains(i) && i >= 0 && i < all.size() ? " is listed twice" : " does not exist"));
      }
      out.add(all.get(i));
    }
    return List.copyOf(out);
  }

  /** The dataset's manifest. */
  public Manifest manifest() {
    return manifest;
  }

  /** Where the next {@link #next()} reads from; hand it to {@link #open} to resume there. */
  public Cursor cursor() {
    return current == null ? new Cursor(shards.size(), 0) : new Cursor(shard, current.position());
  }

  /** The next sequence of the split, or null at its end. */
  public PackedSequence next() throws IOException {
    while (current != null) {
      PackedSequence s = current.next();
      if (s != null) {
        return s;
      }
      Manifest.Shard done = shards.get(shard);
      if (current.position() != done.records()) {
        throw new IOException(source.describe() + "/" + done.file() + ": holds " + current.position()
            + " records, the manifest says " + done.records());
      }
      current.close();
      current = ++shard < shards.size() ? open(shard, 0) : null;
    }
    return null;
  }

  private ShardReader open(int index, long from) throws IOException {
    Manifest.Shard s = shards.get(index);
    ShardReader r = new ShardReader(source.describe() + "/" + s.file(), source.open(s.file()), s.sha256(), from);
    if (r.sequenceLength() != manifest.sequenceLength()) {
      r.close();
      throw new IOException(source.describe() + "/" + s.file() + ": sequence length " + r.sequenceLength()
          + ", the manifest says " + manifest.sequenceLength());
    }
    return r;
  }

  @Override
  public void close() throws IOException {
    if (current != null) {
      current.close();
      current = null;
    }
  }
}
