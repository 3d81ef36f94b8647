package org.lactspark.driver.ml;

/**
 * One sequence's scores.
 *
 * @param mean the mean natural-log loss per scored token, null when no token is scored
 * @param scored the tokens scored
 * @param positions per position p, the loss of predicting token p + 1 from tokens 0..p (NaN where
 *     that token is not scored: the first token of a document in document-restart mode)
 */
record SequenceLoss(Double mean, int scored, double[] positions) {
  /** The scores of a sequence too short to score anything ({@code length} is 0 or 1). */
  static SequenceLoss none(int length) {
    return new SequenceLoss(null, 0, new double[Math.max(0, length - 1)]);
  }
}
