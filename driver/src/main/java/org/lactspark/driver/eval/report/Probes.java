package org.lactspark.driver.eval.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.lactspark.driver.eval.EvalReport.ProbeResult;

/** Summaries of probe accuracies: means, tasks, and the length-by-depth grid of a heat map. */
final class Probes {
  private Probes() {}

  /**
   * Mean accuracy per (length, depth) cell of one task. Splits that differ only in what the grid
   * does not show (an MQAR key count, say) share a cell and are averaged.
   *
   * @param lengths the distinct lengths, ascending (x)
   * @param depths the distinct depths, ascending (y)
   * @param cells length to depth to mean accuracy; a cell with no finite accuracy is absent
   */
  record Grid(List<Integer> lengths, List<Double> depths, Map<Integer, Map<Double, Double>> cells) {

    /** Per length, the mean over its depths' cells (each depth weighs the same). */
    Map<Integer, Double> meanByLength() {
      Map<Integer, Double> out = new TreeMap<>();
      cells.forEach((length, byDepth) -> out.put(length, mean(new ArrayList<>(byDepth.values()))));
      return out;
    }
  }

  /** The task of a split; "probe" when the report does not say. */
  static String task(ProbeResult p) {
    return p.task() == null || p.task().isBlank() ? "probe" : p.task();
  }

  /** The splits grouped by task, tasks in order of first appearance. */
  static Map<String, List<ProbeResult>> byTask(List<ProbeResult> probes) {
    Map<String, List<ProbeResult>> out = new LinkedHashMap<>();
    for (ProbeResult p : probes) {
      out.computeIfAbsent(task(p), t -> new ArrayList<>()).add(p);
    }
    return out;
  }

  /** Mean accuracy over the splits with a finite one; NaN when there are none. */
  static double meanAccuracy(List<ProbeResult> probes) {
    List<Double> values = new ArrayList<>();
    probes.forEach(p -> values.add(p.accuracy()));
    return mean(values);
  }

  /** The length-by-depth grid of one task's splits. */
  static Grid grid(List<ProbeResult> probes) {
    Map<Integer, Map<Double, List<Double>>> raw = new TreeMap<>();
    TreeSet<Integer> lengths = new TreeSet<>();
    TreeSet<Double> depths = new TreeSet<>();
    for (ProbeResult p : probes) {
      lengths.add(p.length());
      depths.add(p.depth());
      if (Double.isFinite(p.accuracy())) {
        raw.computeIfAbsent(p.length(), l -> new TreeMap<>()).computeIfAbsent(p.depth(), d -> new ArrayList<>())
            .add(p.accuracy());
      }
    }
    Map<Integer, Map<Double, Double>> cells = new TreeMap<>();
    raw.forEach((length, byDepth) -> {
      Map<Double, Double> means = new TreeMap<>();
      byDepth.forEach((depth, values) -> means.put(depth, mean(values)));
      cells.put(length, means);
    });
    return new Grid(new ArrayList<>(lengths), new ArrayList<>(depths), cells);
  }

  /** Mean of the finite values; NaN when there are none. */
  static double mean(List<Double> values) {
    double sum = 0;
    int n = 0;
    for (double v : values) {
      if (Double.isFinite(v)) {
        sum += v;
        n++;
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }
}
