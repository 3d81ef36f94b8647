package org.lactspark.driver.checkpoint;

import java.util.Map;

/**
 * Everything a run needs to continue exactly where it stood: parameters, the optimiser's moments
 * and step count, the data position, the run's counters, and what made it (configuration, model,
 * code version).
 *
 * @param step optimiser steps done
 * @param epoch the data stream's epoch
 * @param shard the data cursor's shard
 * @param record the data cursor's record
 * @param optimizerSteps the optimiser's own step count (steps skipped as bad are not counted)
 * @param badInARow bad steps in a row so far
 * @param seed the run's seed (the only randomness: initialisation; the data order is the dataset's)
 * @param loss the last step's training loss
 * @param config the training configuration, key to value
 * @param configSources where each value came from
 * @param modelJson the model configuration as JSON
 * @param codeVersion the version of the code that wrote it
 * @param params the flat parameter vector
 * @param m the optimiser's first moments
 * @param v the optimiser's second moments
 */
public record Checkpoint(int step, int epoch, int shard, long record, long optimizerSteps, int badInARow, int seed,
    double loss, Map<String, String> config, Map<String, String> configSources, String modelJson, String codeVersion,
    float[] params, float[] m, float[] v) {}
