package org.lactspark.driver.ml;

import java.io.Serializable;
import org.lactspark.conf.ModelConfig;

/**
 * What every scoring task needs besides its rows and the broadcast parameters. Travels in the task
 * closure, which Spark always serialises with Java serialisation (Kryo 4 could not build a record).
 *
 * @param model the checkpoint's model configuration
 * @param modelKey identifies the model among an executor's resident ones
 * @param batchSize rows per forward pass
 * @param maxLength the longest sequence allowed, 0 for no limit
 * @param inputIndex the token column's index in the input rows
 * @param startsIndex the document-starts column's index, -1 when there is none
 * @param columns the column names (for messages) and which outputs are written
 */
record ScoringSetup(ModelConfig model, String modelKey, int batchSize, int maxLength, int inputIndex,
    int startsIndex, ScorerColumns columns) implements Serializable {
  private static final long serialVersionUID = 1L;
}
