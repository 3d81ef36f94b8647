package org.lactspark.data.prepare;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.util.AccumulatorV2;
import org.lactspark.data.source.BadInput;

/**
 * Gathers bad input across tasks: counts by kind and the earliest examples. Spark may apply a
 * retried task's updates twice, so counts are for reporting; the dataset never depends on them.
 */
final class BadInputAccumulator extends AccumulatorV2<BadInputAccumulator.Found, BadInputReport> {
  private static final long serialVersionUID = 1L;

  /** One problem, with its file index and its rank among that file's problems. */
  record Found(int file, long rank, BadInput problem) implements java.io.Serializable {}

  private static final Comparator<Found> ORDER = Comparator.comparingInt(Found::file).thenComparingLong(Found::rank);

  private Map<String, Long> counts = new HashMap<>();
  private List<Found> examples = new ArrayList<>();

  @Override
  public boolean isZero() {
    return counts.isEmpty();
  }

  @Override
  public BadInputAccumulator copy() {
    BadInputAccumulator c = new BadInputAccumulator();
    c.counts = new HashMap<>(counts);
    c.examples = new ArrayList<>(examples);
    return c;
  }

  @Override
  public void reset() {
    counts = new HashMap<>();
    examples = new ArrayList<>();
  }

  @Override
  public void add(Found f) {
    counts.merge(f.problem().kind(), 1L, Long::sum);
    examples.add(f);
    trim();
  }

  @Override
  public void merge(AccumulatorV2<Found, BadInputReport> other) {
    BadInputAccumulator o = (BadInputAccumulator) other;
    o.counts.forEach((k, v) -> counts.merge(k, v, Long::sum));
    examples.addAll(o.examples);
    trim();
  }

  private void trim() {
    examples.sort(ORDER);
    if (examples.size() > BadInputReport.EXAMPLES) {
      examples = new ArrayList<>(examples.subList(0, BadInputReport.EXAMPLES));
    }
  }

  @Override
  public BadInputReport value() {
    return new BadInputReport(counts, examples.stream().map(Found::problem).toList());
  }
}
