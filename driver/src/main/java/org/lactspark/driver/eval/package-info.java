/**
 * The evaluation job ({@code bin/lact eval}): {@link org.lactspark.driver.eval.EvalJob} checks and
 * runs it (loss, perplexity, per byte, by position, retrieval on probes, for a model and an optional
 * baseline), {@link org.lactspark.driver.eval.EvalReport} is everything it measured (what {@code
 * eval.json} holds), {@link org.lactspark.driver.eval.ReportFiles} writes a report directory safely
 * and {@link org.lactspark.driver.eval.CheckpointWatcher} evaluates a training run's new checkpoints
 * as they appear. The plots and the HTML page are drawn in {@code eval.report}.
 */
package org.lactspark.driver.eval;
