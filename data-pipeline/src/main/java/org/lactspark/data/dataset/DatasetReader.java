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

  private DatasetReader(ShardSource source, Manifest manifest, String split, Cursor from) throws IOException {
    this.source = source;
    this.manifest = manifest;
    this.shards = manifest.shards(split);
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
    Manifest m;
    try (InputStream in = source.open(Manifest.FILE)) {
      m = Manifest.read(in, source.describe() + "/" + Manifest.FILE);
    }
    return new DatasetReader(source, m, split, from);
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
