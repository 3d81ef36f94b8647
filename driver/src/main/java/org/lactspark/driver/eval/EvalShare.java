package org.lactspark.driver.eval;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.lactspark.data.dataset.Manifest;

/**
 * One task's part of a split: {@code count} sequences from record {@code record} of shard
 * {@code shard} on. Tasks read their own sequences (no data passes through the driver).
 *
 * @param dataset the dataset's location
 * @param split the split
 * @param shard the first shard's index in the split
 * @param record the first record inside it
 * @param count sequences to read
 * @param probe whether the split is a probe split (scored for retrieval, not loss)
 */
record EvalShare(String dataset, String split, int shard, long record, int count, boolean probe)
    implements Serializable {

  /**
   * The first {@code limit} sequences (0: all) of {@code split} cut into at most {@code parts}
   * shares of nearly equal size, in data order.
   */
  static List<EvalShare> of(String dataset, Manifest m, String split, long limit, int parts, boolean probe) {
    List<Manifest.Shard> shards = m.shards(split);
    long total = shards.stream().mapToLong(Manifest.Shard::records).sum();
    long n = limit > 0 ? Math.min(limit, total) : total;
    int p = (int) Math.max(1, Math.min(parts, n));
    List<EvalShare> out = new ArrayList<>();
    int shard = 0;
    long record = 0;
    for (int i = 0; i < p && n > 0; i++) {
      int count = (int) (n / p + (i < n % p ? 1 : 0));
      out.add(new EvalShare(dataset, split, shard, record, count, probe));
      long left = count;
      while (left > 0) {
        long room = shards.get(shard).records() - record;
        if (left < room) {
          record += left;
          left = 0;
        } else {
          left -= room;
          shard++;
          record = 0;
        }
      }
    }
    return out;
  }
}
