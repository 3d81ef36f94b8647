package org.lactspark.driver.dist;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

/**
 * Adds the tasks' vectors through Spark's shuffle rather than on the driver: each task cuts its
 * vectors into chunks of {@link #CHUNK} floats keyed by position, one reduce task per chunk adds
 * the workers' pieces in task order (so the sum does not depend on which task finished first), and
 * the driver receives each sum once. No record comes near Spark's 2 GB limit on a serialised task
 * result, and the driver takes in N floats per vector instead of N per worker: this is what lets a
 * 760m-parameter vector through. Small per-task statistics travel beside the chunks.
 */
public final class ChunkedSum {
  /** Floats per chunk (16 MB). */
  public static final int CHUNK = 1 << 22;
  private static final int STATS = -1;

  private ChunkedSum() {}

  /**
   * A vector as chunks of at most {@link #CHUNK} floats, for broadcasting: one array of 3.2 GB (the
   * 760m preset) is past what a serialiser writes in one piece; its chunks are not.
   */
  public static float[][] split(float[] v) {
    int c = chunks(v.length);
    float[][] out = new float[c][];
    for (int i = 0; i < c; i++) {
      out[i] = java.util.Arrays.copyOfRange(v, i * CHUNK, (int) Math.min(v.length, (long) i * CHUNK + CHUNK));
    }
    return out;
  }

  /** The vector {@link #split} cut. */
  public static float[] join(float[][] chunks) {
    long n = 0;
    for (float[] c : chunks) {
      n += c.length;
    }
    float[] out = new float[Math.toIntExact(n)];
    int at = 0;
    for (float[] c : chunks) {
      System.arraycopy(c, 0, out, at, c.length);
      at += c.length;
    }
    return out;
  }

  /** Chunks per vector of length {@code n}. */
  static int chunks(long n) {
    return Math.toIntExact(Math.max(1, (n + CHUNK - 1) / CHUNK));
  }

  /**
   * A task's records: its statistics, and every vector (each of length {@code n}) cut into chunks.
   * A task that has no vectors (it failed) sends only its statistics.
   */
  static List<Tuple2<Integer, Tuple2<Integer, Object>>> records(int part, Serializable stats, long n,
      float[]... vectors) {
    List<Tuple2<Integer, Tuple2<Integer, Object>>> out = new ArrayList<>();
    out.add(new Tuple2<>(STATS, new Tuple2<>(part, stats)));
    int c = chunks(n);
    for (int v = 0; v < vectors.length; v++) {
      if (vectors[v] == null) {
        continue;
      }
      for (int i = 0; i < c; i++) {
        int from = i * CHUNK;
        int to = (int) Math.min(n, (long) from + CHUNK);
        out.add(new Tuple2<>(v * c + i, new Tuple2<>(part, java.util.Arrays.copyOfRange(vectors[v], from, to))));
      }
    }
    return out;
  }

  /**
   * What came back: each task's statistics in task order, and the summed vectors (null where no
   * task sent that vector, or where some task did not: a partial sum is never returned).
   */
  public record Result<S>(List<S> stats, float[][] sums) {}

  /** Reduces {@code records} of {@code tasks} tasks, {@code vectors} vectors of length {@code n}. */
  @SuppressWarnings("unchecked")
  static <S> Result<S> reduce(JavaRDD<Tuple2<Integer, Tuple2<Integer, Object>>> records, int tasks, int vectors,
      long n) {
    int c = chunks(n);
    List<Tuple2<Integer, Object>> done = records.mapToPair(t -> t)
        .groupByKey(new ByChunk(vectors * c + 1))
        .map(kv -> new Tuple2<Integer, Object>(kv._1(), combine(kv._1(), kv._2(), tasks)))
        .collect();
    List<S> stats = new ArrayList<>();
    float[][] sums = new float[vectors][];
    boolean[] complete = new boolean[vectors];
    java.util.Arrays.fill(complete, true);
    for (Tuple2<Integer, Object> t : done) {
      if (t._1() == STATS) {
        for (Tuple2<Integer, Object> s : (List<Tuple2<Integer, Object>>) t._2()) {
          stats.add((S) s._2());
        }
        continue;
      }
      int v = t._1() / c;
      int chunk = t._1() % c;
      if (t._2() == null) {
        complete[v] = false;
        continue;
      }
      if (sums[v] == null) {
        sums[v] = new float[Math.toIntExact(n)];
      }
      float[] piece = (float[]) t._2();
      System.arraycopy(piece, 0, sums[v], chunk * CHUNK, piece.length);
    }
    for (int v = 0; v < vectors; v++) {
      if (!complete[v]) {
        sums[v] = null;
      }
    }
    return new Result<>(stats, sums);
  }

  /** The statistics sorted by task, or a chunk's sum in task order (null unless every task sent it). */
  private static Object combine(int key, Iterable<Tuple2<Integer, Object>> pieces, int tasks) {
    List<Tuple2<Integer, Object>> sorted = new ArrayList<>();
    pieces.forEach(sorted::add);
    sorted.sort(Comparator.comparing(Tuple2::_1));
    if (key == STATS) {
      return sorted;
    }
    if (sorted.size() != tasks) {
      return null;
    }
    float[] sum = ((float[]) sorted.get(0)._2()).clone();
    for (int i = 1; i < sorted.size(); i++) {
      float[] p = (float[]) sorted.get(i)._2();
      for (int j = 0; j < sum.length; j++) {
        sum[j] += p[j];
      }
    }
    return sum;
  }

  /** Statistics to reduce task 0, chunk k to reduce task k + 1. */
  private static final class ByChunk extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int partitions;

    ByChunk(int partitions) {
      this.partitions = partitions;
    }

    @Override
    public int numPartitions() {
      return partitions;
    }

    @Override
    public int getPartition(Object key) {
      return (Integer) key + 1;
    }
  }
}
