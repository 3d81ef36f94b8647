package org.lactspark.driver.eval;

/**
 * One line of a watched run's {@code history.jsonl}: the headline numbers of one checkpoint's
 * evaluation, so metrics can be plotted against the training step.
 *
 * @param step the checkpoint's training step
 * @param checkpoint its directory
 * @param evaluatedAt ISO-8601 instant
 * @param lossPerToken mean nats per token (NaN without a dataset)
 * @param bitsPerByte bits per byte (NaN without a dataset)
 * @param retrievalAccuracy mean accuracy over the probe splits (NaN without probes)
 * @param report the evaluation's {@code eval.json}
 */
public record HistoryEntry(long step, String checkpoint, String evaluatedAt, double lossPerToken, double bitsPerByte,
    double retrievalAccuracy, String report) {}
