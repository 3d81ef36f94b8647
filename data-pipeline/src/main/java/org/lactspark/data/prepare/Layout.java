package org.lactspark.data.prepare;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * Where everything goes, computed on the driver from the partitions' {@link Packer.Counts}: each
 * partition's start offsets, and per split the documents, tokens, sequences and shards. Shards are
 * numbered train first, then validation; shard {@code i} of a split holds sequences {@code
 * i*perShard ..}.
 *
 * @param starts per partition, per split: the token offset (concat) or sequence index (document)
 * @param documents per split
 * @param tokens per split
 * @param sequences per split
 * @param perShard sequences per shard
 * @param shards per split
 */
record Layout(long[][] starts, long[] documents, long[] tokens, long[] sequences, long perShard, long[] shards)
    implements Serializable {

  /** The layout of {@code counts} (in partition order) at length {@code length}. */
  static Layout of(List<Packer.Counts> counts, int length, boolean documentPacking, long perShard) {
    int splits = Split.values().length;
    long[][] starts = new long[counts.size()][splits];
    long[] documents = new long[splits];
    long[] tokens = new long[splits];
    long[] units = new long[splits];
    for (int p = 0; p < counts.size(); p++) {
      Packer.Counts c = counts.get(p);
      for (int s = 0; s < splits; s++) {
        starts[p][s] = units[s];
        units[s] += documentPacking ? c.documentSequences()[s] : c.tokens()[s];
        documents[s] += c.documents()[s];
        tokens[s] += c.tokens()[s];
      }
    }
    long[] sequences = new long[splits];
    long[] shards = new long[splits];
    for (int s = 0; s < splits; s++) {
      sequences[s] = documentPacking ? units[s] : Packer.sequencesOf(tokens[s], length);
      shards[s] = (sequences[s] + perShard - 1) / perShard;
    }
    return new Layout(starts, documents, tokens, sequences, perShard, shards);
  }

  /** Sequences per shard for a target of {@code shardMiB} MiB of token ids. */
  static long perShard(int shardMiB, int length, int tokenBytes) {
    return Math.max(1, ((long) shardMiB << 20) / ((long) length * tokenBytes));
  }

  int shardCount() {
    long n = 0;
    for (long s : shards) {
      n += s;
    }
    return Math.toIntExact(n);
  }

  /** The global shard (pack-stage output partition) of a split's sequence. */
  int shardOf(int split, long sequence) {
    long base = 0;
    for (int s = 0; s < split; s++) {
      base += shards[s];
    }
    return Math.toIntExact(base + sequence / perShard);
  }

  /** The split of global shard {@code shard}. */
  int splitOf(int shard) {
    long base = 0;
    for (int s = 0; s < shards.length; s++) {
      if (shard < base + shards[s]) {
        return s;
      }
      base += shards[s];
    }
    throw new IllegalArgumentException("no shard " + shard);
  }

  /** The index of global shard {@code shard} within its split. */
  long indexInSplit(int shard) {
    long base = 0;
    for (int s = 0; s < splitOf(shard); s++) {
      base += shards[s];
    }
    return shard - base;
  }

  /** The first sequence of global shard {@code shard}. */
  long firstSequence(int shard) {
    return indexInSplit(shard) * perShard;
  }

  /** How many sequences global shard {@code shard} holds. */
  long sequencesIn(int shard) {
    return Math.min(perShard, sequences[splitOf(shard)] - firstSequence(shard));
  }

  /** The file name of global shard {@code shard}, e.g. {@code train-00003.lseq}. */
  String fileName(int shard) {
    return String.format(Locale.ROOT, "%s-%05d.lseq", Split.values()[splitOf(shard)].id(), indexInSplit(shard));
  }
}
