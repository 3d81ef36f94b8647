package org.lactspark.driver.ml;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.lactspark.conf.ConfigException;
import org.lactspark.driver.dist.ChunkedSum;
import org.lactspark.driver.dist.SyncStep;
import org.lactspark.driver.eval.EvalModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.runtime.AbstractFunction1;

/**
 * A Spark ML {@link Transformer} that adds each token sequence's loss under a LaCT checkpoint to a
 * DataFrame: the mean natural-log loss per scored token ({@code outputCol}), the number of tokens
 * scored ({@code tokensCol}) and, optionally, the loss at every position ({@code positionLossCol}).
 * Position p's loss is that of predicting token p + 1 from tokens 0..p; a sequence of n tokens
 * scores n - 1 of them (fewer when {@code documentStartsCol} gives it several documents and the
 * model was trained with {@code documentRestart}: a document's first token is then not predicted,
 * and its position loss is NaN). With the document starts a packed dataset records, the numbers
 * equal those of {@code bin/lact eval} on the same sequences.
 *
 * <p>Each {@link #transform} resolves the checkpoint and broadcasts its parameters once (in
 * chunks); the executors score on their resident models, {@code batchSize} rows per forward pass,
 * keeping every input column and the rows' order. The result is lazy like any DataFrame: the
 * broadcast lives as long as it does (Spark's context cleaner removes it after the DataFrame is
 * garbage-collected).
 *
 * <p>A sequence of fewer than 2 tokens scores nothing: its loss is null (so that SQL aggregates skip
 * it), its token count 0, its position losses empty. A null sequence gives nulls. Sequences longer
 * than the model's training context are scored unless {@code maxLength} forbids them: nothing in
 * the model is sized by that context (rotary positions are computed for any length), though the
 * model never trained past it. Saved and loaded with its params like any Spark ML stage ({@link
 * #write}, {@link #read}, {@link #load}); the checkpoint is saved as its path, not copied.
 */
public final class SequenceLossScorer extends Transformer implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(SequenceLossScorer.class);

  private final String uid;
  private final Param<String> checkpoint;
  private final Param<String> inputCol;
  private final Param<String> documentStartsCol;
  private final Param<String> outputCol;
  private final Param<String> tokensCol;
  private final Param<String> positionLossCol;
  private final IntParam batchSize;
  private final IntParam maxLength;

  /** A scorer with a random uid. */
  public SequenceLossScorer() {
    this(Identifiable.randomUID("seqLossScorer"));
  }

  /** A scorer with uid {@code uid} (Spark ML's copy and load create stages through this). */
  public SequenceLossScorer(String uid) {
    this.uid = uid;
    checkpoint = new Param<>(this, "checkpoint", "a run directory (scored with its newest complete checkpoint) "
        + "or a step-N checkpoint directory; required", new NonEmpty());
    inputCol = new Param<>(this, "inputCol", "the column of token ids, array<int> or array<bigint>", new NonEmpty());
    documentStartsCol = new Param<>(this, "documentStartsCol", "optional column of each sequence's document starts "
        + "(ascending positions, array<int> or array<bigint>), as a packed dataset records them; empty: every "
        + "sequence is one document", new AnyName());
    outputCol = new Param<>(this, "outputCol", "the output column: mean natural-log loss per scored token (double; "
        + "null when nothing is scored)", new NonEmpty());
    tokensCol = new Param<>(this, "tokensCol", "the output column of tokens scored (int); empty: not written",
        new AnyName());
    positionLossCol = new Param<>(this, "positionLossCol", "the output column of per-position losses "
        + "(array<double> of length n - 1; NaN where not scored); empty: not written", new AnyName());
    batchSize = new IntParam(this, "batchSize", "sequences per forward pass (>= 1)", ParamValidators.gtEq(1));
    maxLength = new IntParam(this, "maxLength", "the longest sequence allowed, a longer one fails the task "
        + "(>= 0; 0: no limit)", ParamValidators.gtEq(0));
    setDefault(inputCol, "tokens");
    setDefault(documentStartsCol, "");
    setDefault(outputCol, "loss");
    setDefault(tokensCol, "scored_tokens");
    setDefault(positionLossCol, "");
    setDefault(batchSize, 1);
    setDefault(maxLength, 0);
  }

  @Override
  public String uid() {
    return uid;
  }

  /** Param: the checkpoint to score with. */
  public Param<String> checkpoint() {
    return checkpoint;
  }

  /** Param: the token-id column. */
  public Param<String> inputCol() {
    return inputCol;
  }

  /** Param: the document-starts column (empty: none). */
  public Param<String> documentStartsCol() {
    return documentStartsCol;
  }

  /** Param: the mean-loss column. */
  public Param<String> outputCol() {
    return outputCol;
  }

  /** Param: the scored-token-count column (empty: none). */
  public Param<String> tokensCol() {
    return tokensCol;
  }

  /** Param: the per-position-loss column (empty: none). */
  public Param<String> positionLossCol() {
    return positionLossCol;
  }

  /** Param: sequences per forward pass. */
  public IntParam batchSize() {
    return batchSize;
  }

  /** Param: the longest sequence allowed (0: no limit). */
  public IntParam maxLength() {
    return maxLength;
  }

  public String getCheckpoint() {
    return getOrDefault(checkpoint);
  }

  public String getInputCol() {
    return getOrDefault(inputCol);
  }

  public String getDocumentStartsCol() {
    return getOrDefault(documentStartsCol);
  }

  public String getOutputCol() {
    return getOrDefault(outputCol);
  }

  public String getTokensCol() {
    return getOrDefault(tokensCol);
  }

  public String getPositionLossCol() {
    return getOrDefault(positionLossCol);
  }

  public int getBatchSize() {
    return (Integer) getOrDefault(batchSize);
  }

  public int getMaxLength() {
    return (Integer) getOrDefault(maxLength);
  }

  public SequenceLossScorer setCheckpoint(String value) {
    set(checkpoint, value);
    return this;
  }

  public SequenceLossScorer setInputCol(String value) {
    set(inputCol, value);
    return this;
  }

  public SequenceLossScorer setDocumentStartsCol(String value) {
    set(documentStartsCol, value);
    return this;
  }

  public SequenceLossScorer setOutputCol(String value) {
    set(outputCol, value);
    return this;
  }

  public SequenceLossScorer setTokensCol(String value) {
    set(tokensCol, value);
    return this;
  }

  public SequenceLossScorer setPositionLossCol(String value) {
    set(positionLossCol, value);
    return this;
  }

  public SequenceLossScorer setBatchSize(int value) {
    set(batchSize, value);
    return this;
  }

  public SequenceLossScorer setMaxLength(int value) {
    set(maxLength, value);
    return this;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    if (!isDefined(checkpoint)) {
      throw new IllegalArgumentException("SequenceLossScorer: param checkpoint is not set: give a run directory "
          + "or a step-N checkpoint directory (setCheckpoint)");
    }
    return columns().outputSchema(schema);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType out = transformSchema(dataset.schema(), true);
    SparkContext sc = dataset.sparkSession().sparkContext();
    EvalModel model = model(sc.hadoopConfiguration());
    float[] params;
    try {
      params = model.params(sc.hadoopConfiguration());
    } catch (IOException e) {
      throw new UncheckedIOException("SequenceLossScorer: param checkpoint = " + getCheckpoint()
          + ": cannot read the parameters of " + model.location() + ": " + e.getMessage(), e);
    }
    StructType in = dataset.schema();
    ScorerColumns c = columns();
    ScoringSetup setup = new ScoringSetup(model.config(), "ml-score|" + model.modelJson(), getBatchSize(),
        getMaxLength(), in.fieldIndex(c.input()), c.starts().isEmpty() ? -1 : in.fieldIndex(c.starts()), c);
    long version = SyncStep.newVersion();
    Broadcast<float[][]> b = JavaSparkContext.fromSparkContext(sc).broadcast(ChunkedSum.split(params));
    LOG.info("{}: scoring column '{}' with {} (step {}), {} sequences per pass", uid, c.input(), model.location(),
        model.step(), getBatchSize());
    return dataset.toDF().mapPartitions(new ScoreRows(setup, b, version), Encoders.row(out));
  }

  private ScorerColumns columns() {
    return new ScorerColumns(getInputCol(), getDocumentStartsCol(), getOutputCol(), getTokensCol(),
        getPositionLossCol());
  }

  private EvalModel model(Configuration conf) {
    String source = "param of SequenceLossScorer " + uid;
    try {
      return EvalModel.resolve(uid, getCheckpoint(), "checkpoint", source, conf);
    } catch (IOException e) {
      throw new ConfigException("checkpoint", getCheckpoint(), source, "cannot be read: " + e.getMessage());
    }
  }

  @Override
  public SequenceLossScorer copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /** Reads a scorer saved by {@link #write}; Spark ML's pipeline loader finds it by this name. */
  public static MLReader<SequenceLossScorer> read() {
    return new Readable().read();
  }

  /** The scorer saved at {@code path}. */
  public static SequenceLossScorer load(String path) {
    return read().load(path);
  }

  /**
   * Spark's default reader: a Scala companion object would inherit {@code read} from {@link
   * DefaultParamsReadable}; from Java the trait's method is reached through an instance.
   */
  private static final class Readable implements DefaultParamsReadable<SequenceLossScorer> {}

  /** A column name or checkpoint that must be given. */
  private static final class NonEmpty extends AbstractFunction1<String, Object> implements Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public Object apply(String v) {
      return v != null && !v.isBlank();
    }
  }

  /** An optional column name: empty turns the column off. */
  private static final class AnyName extends AbstractFunction1<String, Object> implements Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public Object apply(String v) {
      return v != null;
    }
  }
}
