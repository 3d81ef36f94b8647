package org.lactspark.driver.eval.report;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** What every plot of the report shares: its size, its look and its encoding as PNG. */
final class Charts {
  /** Width of the line charts, pixels. */
  static final int WIDTH = 900;
  /** Height of the line charts, pixels. */
  static final int HEIGHT = 520;
  /** Width of the heat maps, pixels. */
  static final int HEAT_WIDTH = 760;
  /** Height of the heat maps, pixels. */
  static final int HEAT_HEIGHT = 480;

  private Charts() {}

  /** A line chart with markers, white background, legend inside the plot. */
  static XYChart lineChart(String title, String xTitle, String yTitle) {
    headless();
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
        .yAxisTitle(yTitle).build();
    chart.getStyler().setMarkerSize(5).setChartBackgroundColor(Color.WHITE)
        .setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    return chart;
  }

  /** A thin black line at y = 0 across {@code [fromX, toX]}, no markers, no legend entry. */
  static void zeroLine(XYChart chart, double fromX, double toX) {
    XYSeries zero = chart.addSeries("zero", new double[] {fromX, toX}, new double[] {0, 0});
    zero.setMarker(SeriesMarkers.NONE);
    zero.setLineColor(Color.BLACK);
    zero.setShowInLegend(false);
  }

  /** The chart as PNG bytes. */
  static byte[] png(Chart<?, ?> chart) {
    try {
      return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      // written to memory: an IOException here is a bug in the encoder, not an environment problem
      throw new UncheckedIOException("encoding a chart as PNG failed", e);
    }
  }

  /**
   * Charts are drawn on a driver that has no display: AWT must not look for one, which it does the
   * first time a font or image is made unless told (same as {@code metrics.LossPlot}).
   */
  static void headless() {
    System.setProperty("java.awt.headless", "true");
  }
}
