package org.lactspark.driver.eval.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.knowm.xchart.XYChart;
import org.lactspark.driver.eval.EvalReport.Bucket;

/**
 * The loss by position in the context: every model's curve overlaid, and each model's curve minus
 * the first model's (below zero: lower loss than the first model at that position).
 */
final class PositionPlots {
  static final String LOSS_FILE = "per-position-loss.png";
  static final String DIFFERENCE_FILE = "per-position-difference.png";
  private static final String X_TITLE = "token position (bucket midpoint)";

  private PositionPlots() {}

  /** The overlay of every model with a finite bucket; empty when none has one. */
  static Optional<Figure> loss(List<Model> models) {
    XYChart chart = Charts.lineChart("Mean loss by position", X_TITLE, "loss (nats per token)");
    List<String> shown = new ArrayList<>();
    for (Model m : models) {
      if (m.hasPositions() && addSeries(chart, m.name(), finiteByMidpoint(m))) {
        shown.add(m.name());
      }
    }
    if (shown.isEmpty()) {
      return Optional.empty();
    }
    String alt = "Line chart of mean loss in nats per token against token position, one line per model: "
        + String.join(", ", shown) + ".";
    String caption = "Mean loss by position bucket (nats per token); buckets with no scored token are left out.";
    return Optional.of(new Figure(LOSS_FILE, alt, caption, Charts.png(chart)));
  }

  /**
   * Each other model's bucket loss minus the first positioned model's, where both are finite; empty
   * with fewer than two positioned models or no common finite bucket.
   */
  static Optional<Figure> difference(List<Model> models) {
    List<Model> positioned = models.stream().filter(Model::hasPositions).toList();
    if (positioned.size() < 2) {
      return Optional.empty();
    }
    Model first = positioned.get(0);
    Map<Double, Double> reference = finiteByMidpoint(first);
    XYChart chart = Charts.lineChart("Loss by position minus " + first.name(), X_TITLE,
        "loss difference (nats per token)");
    // XChart's default pattern drops the leading zero of small differences (".02")
    chart.getStyler().setYAxisDecimalPattern("0.0###");
    TreeMap<Double, Double> span = new TreeMap<>();
    List<String> shown = new ArrayList<>();
    for (Model m : positioned.subList(1, positioned.size())) {
      Map<Double, Double> diff = minus(finiteByMidpoint(m), reference);
      span.putAll(diff);
      if (addSeries(chart, m.name() + " - " + first.name(), diff)) {
        shown.add(m.name());
      }
    }
    if (shown.isEmpty()) {
      return Optional.empty();
    }
    Charts.zeroLine(chart, span.firstKey(), span.lastKey());
    String alt = "Line chart of the loss difference against token position: " + String.join(", ", shown)
        + " minus " + first.name() + ", with a line at zero.";
    String caption = "Per-bucket loss of each model minus " + first.name()
        + "'s (nats per token); below zero means lower loss than " + first.name() + " at that position.";
    return Optional.of(new Figure(DIFFERENCE_FILE, alt, caption, Charts.png(chart)));
  }

  /** Bucket midpoint to mean loss, finite losses only, in position order. */
  private static Map<Double, Double> finiteByMidpoint(Model m) {
    Map<Double, Double> out = new TreeMap<>();
    for (Bucket b : m.result().positions().buckets()) {
      if (Double.isFinite(b.meanLoss())) {
        out.put((b.start() + b.end()) / 2.0, b.meanLoss());
      }
    }
    return out;
  }

  private static Map<Double, Double> minus(Map<Double, Double> a, Map<Double, Double> b) {
    Map<Double, Double> out = new TreeMap<>();
    a.forEach((x, y) -> {
      Double other = b.get(x);
      if (other != null) {
        out.put(x, y - other);
      }
    });
    return out;
  }

  /** Adds the points as a series; false (and nothing added) when there are none. */
  private static boolean addSeries(XYChart chart, String name, Map<Double, Double> points) {
    if (points.isEmpty()) {
      return false;
    }
    chart.addSeries(name, new ArrayList<>(points.keySet()), new ArrayList<>(points.values()));
    return true;
  }
}
