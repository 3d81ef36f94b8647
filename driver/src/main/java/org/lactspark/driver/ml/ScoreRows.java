package org.lactspark.driver.ml;

import java.util.Iterator;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;

/**
 * The task of {@link SequenceLossScorer#transform}: a partition's rows, scored batch by batch, each
 * with its input columns and the new ones, in their input order.
 */
final class ScoreRows implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;
  private final ScoringSetup setup;
  private final Broadcast<float[][]> params;
  private final long version;

  /**
   * @param params the parameters as {@link org.lactspark.driver.dist.ChunkedSum#split} chunks
   * @param version the parameters' version ({@link org.lactspark.driver.dist.SyncStep#newVersion}):
   *     a resident model installs them only when it holds another version
   */
  ScoreRows(ScoringSetup setup, Broadcast<float[][]> params, long version) {
    this.setup = setup;
    this.params = params;
    this.version = version;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    return new ScoredRows(rows, setup, new BatchScorer(setup, params, version));
  }
}
