/**
 * The evaluation report as files: PNG plots drawn with XChart and one self-contained HTML page that
 * embeds them, rendered from an {@link org.lactspark.driver.eval.EvalReport} (and a watched run's
 * history). Rendering is pure: {@link org.lactspark.driver.eval.report.ReportRenderer} returns file
 * names and bytes, and the caller writes them wherever the run lives (any Hadoop filesystem).
 */
package org.lactspark.driver.eval.report;
