package org.lactspark.data.prepare;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.lactspark.data.source.BadInput;

/**
 * The bad input a run left out: how many of each kind, and the first few with their locations (by
 * input file order, then in the order found).
 *
 * @param counts problems by kind
 * @param examples the first {@link #EXAMPLES} problems
 */
public record BadInputReport(Map<String, Long> counts, List<BadInput> examples) implements Serializable {
  /** How many examples are kept. */
  public static final int EXAMPLES = 5;

  /** Copies the collections, sorted. */
  public BadInputReport {
    counts = new TreeMap<>(counts);
    examples = List.copyOf(examples);
  }

  /** All problems. */
  public long total() {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }
}
