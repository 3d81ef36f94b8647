package org.lactspark.driver.eval.report;

import java.awt.Color;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.lactspark.driver.eval.EvalReport.ProbeResult;

/**
 * Retrieval accuracy as pictures: per model and task a heat map by probe length and depth, and,
 * across models, accuracy against length.
 */
final class RetrievalPlots {
  static final String BY_LENGTH_FILE = "retrieval-by-length.png";

  /**
   * Low to high accuracy: red, yellow, green. Light enough that the black cell values stay
   * readable on every colour.
   */
  private static final Color[] RANGE = {new Color(0xd7, 0x30, 0x27), new Color(0xfe, 0xe0, 0x8b),
      new Color(0x1a, 0x98, 0x50)};

  private RetrievalPlots() {}

  /**
   * The heat maps: {@code retrieval-<label>.png} per model with probes, or {@code
   * retrieval-<task>-<label>.png} when the report has more than one task.
   *
   * @param usedFiles file names already taken; the new ones are added
   */
  static List<Figure> heatMaps(List<Model> models, Set<String> usedFiles) {
    boolean severalTasks = models.stream().flatMap(m -> m.probes().stream()).map(Probes::task).distinct()
        .count() > 1;
    List<Figure> out = new ArrayList<>();
    for (Model m : models) {
      for (Map.Entry<String, List<ProbeResult>> task : Probes.byTask(m.probes()).entrySet()) {
        String stem = severalTasks ? "retrieval-" + Names.slug(task.getKey()) + "-" : "retrieval-";
        String file = Names.unusedFile(stem + Names.slug(m.name()) + ".png", usedFiles);
        heatMap(file, m.name(), task.getKey(), Probes.grid(task.getValue())).ifPresent(out::add);
      }
    }
    return out;
  }

  /** One heat map; empty when no cell has a finite accuracy. */
  private static Optional<Figure> heatMap(String file, String model, String task, Probes.Grid grid) {
    if (grid.cells().isEmpty()) {
      return Optional.empty();
    }
    Charts.headless();
    HeatMapChart chart = new HeatMapChartBuilder().width(Charts.HEAT_WIDTH).height(Charts.HEAT_HEIGHT)
        .title("Retrieval accuracy: " + model + ", " + task).xAxisTitle("probe length (tokens)")
        .yAxisTitle("depth of the answer (0 = start, 1 = end)").build();
    chart.getStyler().setRangeColors(RANGE).setShowValue(true).setHeatMapValueDecimalPattern("0.00")
        .setChartBackgroundColor(Color.WHITE);
    List<String> depthLabels = new ArrayList<>();
    grid.depths().forEach(d -> depthLabels.add(String.format(Locale.ROOT, "%.2f", d)));
    // a fixed 0..1 range, not the data's own: colours then mean the same in every model's map
    chart.addSeries("accuracy", grid.lengths(), depthLabels, cells(grid)).setMin(0).setMax(1);
    String alt = "Heat map of " + task + " retrieval accuracy for " + model + ", probe length ("
        + grid.lengths().size() + " values) across, depth (" + grid.depths().size()
        + " values) up, colour from red (0) to green (1).";
    String caption = model + ", " + task + ": fraction of probes retrieved by length and depth "
        + "(colour scale fixed at 0 to 1; a blank cell was not measured).";
    return Optional.of(new Figure(file, alt, caption, Charts.png(chart)));
  }

  /** XChart's cell format: {x index, y index, value}. */
  private static List<Number[]> cells(Probes.Grid grid) {
    List<Number[]> out = new ArrayList<>();
    for (int x = 0; x < grid.lengths().size(); x++) {
      Map<Double, Double> byDepth = grid.cells().getOrDefault(grid.lengths().get(x), Map.of());
      for (int y = 0; y < grid.depths().size(); y++) {
        Double acc = byDepth.get(grid.depths().get(y));
        if (acc != null) {
          out.add(new Number[] {x, y, acc});
        }
      }
    }
    return out;
  }

  /** Accuracy (mean over depths) against length, per model and task; only with 2+ probed models. */
  static Optional<Figure> byLength(List<Model> models) {
    List<Model> probed = models.stream().filter(m -> !m.probes().isEmpty()).toList();
    if (probed.size() < 2) {
      return Optional.empty();
    }
    boolean severalTasks = probed.stream().flatMap(m -> m.probes().stream()).map(Probes::task).distinct()
        .count() > 1;
    XYChart chart = Charts.lineChart("Retrieval accuracy by probe length", "probe length (tokens)",
        "accuracy (mean over depths)");
    chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
    Set<String> names = new HashSet<>();
    for (Model m : probed) {
      for (Map.Entry<String, List<ProbeResult>> task : Probes.byTask(m.probes()).entrySet()) {
        Map<Integer, Double> points = finite(Probes.grid(task.getValue()).meanByLength());
        if (!points.isEmpty()) {
          String name = severalTasks ? m.name() + ", " + task.getKey() : m.name();
          // "a, b" with task c and "a" with task "b, c" would collide: XChart refuses a repeated name
          chart.addSeries(Names.unused(name, names), new ArrayList<>(points.keySet()),
              new ArrayList<>(points.values()));
        }
      }
    }
    if (names.isEmpty()) {
      return Optional.empty();
    }
    String alt = "Line chart of retrieval accuracy (0 to 1) against probe length, one line per model"
        + (severalTasks ? " and task." : ".");
    String caption = "Retrieval accuracy by probe length, averaged over depths, every model overlaid.";
    return Optional.of(new Figure(BY_LENGTH_FILE, alt, caption, Charts.png(chart)));
  }

  private static Map<Integer, Double> finite(Map<Integer, Double> points) {
    points.values().removeIf(v -> !Double.isFinite(v));
    return points;
  }
}
