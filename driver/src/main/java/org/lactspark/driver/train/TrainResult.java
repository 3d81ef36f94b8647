package org.lactspark.driver.train;

/**
 * What a train run ended with.
 *
 * @param runDir the run directory
 * @param firstStep the step the run started from (0, or the checkpoint resumed)
 * @param steps the last step
 * @param trainLoss the last step's training loss
 * @param validationLoss the final validation loss (NaN if the dataset has no validation split)
 * @param validationTokens tokens it was measured on
 * @param skippedSteps steps skipped for NaN/Inf
 * @param checkpoint the final checkpoint
 * @param metrics the metrics file
 * @param plot the loss plot
 * @param seconds wall time
 */
public record TrainResult(String runDir, int firstStep, int steps, double trainLoss, double validationLoss,
    long validationTokens, int skippedSteps, String checkpoint, String metrics, String plot, double seconds) {}
