package org.lactspark.driver.eval.report;

import java.awt.Color;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.lactspark.driver.eval.HistoryEntry;

/**
 * A watched run's metrics against the training step: loss per token on the left axis, retrieval
 * accuracy (0..1) on the right one, so both read off one picture.
 */
final class HistoryPlot {
  static final String FILE = "history.png";
  private static final Color LOSS_COLOR = new Color(0x1f, 0x77, 0xb4);
  private static final Color ACCURACY_COLOR = new Color(0xd6, 0x27, 0x28);

  private HistoryPlot() {}

  /** The plot; empty when no entry has a finite loss or accuracy. */
  static Optional<Figure> of(List<HistoryEntry> history) {
    List<HistoryEntry> byStep = new ArrayList<>(history);
    byStep.sort(Comparator.comparingLong(HistoryEntry::step));
    XYChart chart = Charts.lineChart("Evaluation history", "training step", "loss (nats per token)");
    boolean loss = add(chart, "loss per token", byStep, HistoryEntry::lossPerToken, 0, LOSS_COLOR);
    // the accuracy gets its own axis only beside a loss line; alone it takes the main one
    int group = loss ? 1 : 0;
    boolean accuracy = add(chart, "retrieval accuracy", byStep, HistoryEntry::retrievalAccuracy, group,
        ACCURACY_COLOR);
    if (!loss && !accuracy) {
      return Optional.empty();
    }
    if (accuracy) {
      chart.setYAxisGroupTitle(group, "retrieval accuracy");
      chart.getStyler().setYAxisMin(group, 0.0).setYAxisMax(group, 1.0);
      if (loss) {
        // two axes: each title in its line's colour says which axis a line reads off
        chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        chart.getStyler().setYAxisGroupTitleColor(0, LOSS_COLOR);
        chart.getStyler().setYAxisGroupTitleColor(1, ACCURACY_COLOR);
      }
    }
    String alt = "Line chart against training step of " + (loss && accuracy ? "loss per token (left axis) and "
        + "retrieval accuracy (right axis)" : loss ? "loss per token" : "retrieval accuracy") + ", "
        + history.size() + " evaluations.";
    String caption = "Evaluations of the run's checkpoints by training step; evaluations without a measure "
        + "are left out of its line.";
    return Optional.of(new Figure(FILE, alt, caption, Charts.png(chart)));
  }

  /** One line of the finite values; false (and nothing added) when there are none. */
  private static boolean add(XYChart chart, String name, List<HistoryEntry> entries,
      ToDoubleFunction<HistoryEntry> metric, int group, Color color) {
    List<Long> steps = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    for (HistoryEntry e : entries) {
      double v = metric.applyAsDouble(e);
      if (Double.isFinite(v)) {
        steps.add(e.step());
        values.add(v);
      }
    }
    if (steps.isEmpty()) {
      return false;
    }
    XYSeries series = chart.addSeries(name, steps, values);
    series.setYAxisGroup(group);
    series.setMarkerColor(color);
    series.setLineColor(color);
    return true;
  }
}
