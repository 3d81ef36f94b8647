package org.lactspark.harness;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lactspark.conf.ModelConfig;
import org.lactspark.data.dataset.DatasetReader;
import org.lactspark.data.dataset.Manifest;
import org.lactspark.data.dataset.PackedSequence;
import org.lactspark.data.dataset.ShardSource;
import org.lactspark.kernel.model.ModelEngine;
import org.lactspark.kernel.model.TrainSteps;
import org.lactspark.kernel.optim.AdamW;
import org.lactspark.kernel.optim.AdamWConfig;
import org.lactspark.kernel.optim.UpdateStep;
import org.lactspark.kernel.params.LactModelLayout;

/**
 * Synchronous training steps of one engine over a split of a local prepared dataset: each step
 * reads the next {@code sequences} (wrapping at the split's end), computes the summed gradient as a
 * Spark task does, and applies the driver's update to the flat parameters, which go back to the
 * engine before the next step (as the driver's broadcast does).
 */
public final class ShardHarness {
  /**
   * How to train.
   *
   * @param split the dataset split to read
   * @param steps steps to take
   * @param sequences sequences per step
   * @param microBatch sequences per forward pass
   * @param lr AdamW's learning rate (constant)
   * @param clipNorm global gradient-norm clipping, 0 for none
   */
  public record Options(String split, int steps, int sequences, int microBatch, double lr, double clipNorm) {
    /** Validates, naming the option. */
    public Options {
      if (steps < 1 || sequences < 1 || microBatch < 1) {
        throw new IllegalArgumentException("steps = " + steps + ", sequences = " + sequences + ", microBatch = "
            + microBatch + ": each must be >= 1");
      }
      if (!(lr >= 0) || !(clipNorm >= 0)) {
        throw new IllegalArgumentException("lr = " + lr + ", clipNorm = " + clipNorm + ": must be >= 0");
      }
    }
  }

  /**
   * One step's result.
   *
   * @param step 1-based
   * @param loss the mean token loss (NaN for a step the model could not compute)
   * @param gradNorm the mean gradient's norm before clipping
   * @param applied whether the update was applied
   * @param tokens positions scored
   * @param nanos wall time of the step (engine and update)
   */
  public record Step(int step, double loss, double gradNorm, boolean applied, long tokens, long nanos) {}

  /** Receives each step as it ends. */
  public interface Listener {
    void step(Step s);
  }

  private final Path dataset;
  private final Manifest manifest;

  /**
   * A harness over the dataset in {@code dir}, checked against {@code config}.
   *
   * @throws IOException if the manifest cannot be read
   * @throws IllegalArgumentException if the dataset does not fit the model (vocabulary, length)
   */
  public ShardHarness(Path dir, ModelConfig config, String split) throws IOException {
    this.dataset = dir;
    try (DatasetReader r = DatasetReader.open(ShardSource.directory(dir), split, DatasetReader.Cursor.START)) {
      this.manifest = r.manifest();
    }
    if (manifest.tokenizer().vocabSize() > config.vocabSize()) {
      throw new IllegalArgumentException(dir + ": the dataset's tokenizer has " + manifest.tokenizer().vocabSize()
          + " tokens, the model's vocabSize is " + config.vocabSize());
    }
    if (manifest.sequenceLength() > config.contextLength()) {
      throw new IllegalArgumentException(dir + ": sequences of " + manifest.sequenceLength()
          + " tokens are longer than the model's contextLength " + config.contextLength());
    }
    if (manifest.shards(split).isEmpty()) {
      throw new IllegalArgumentException(dir + ": split '" + split + "' has no shards");
    }
  }

  /** The dataset's sequence length. */
  public int length() {
    return manifest.sequenceLength();
  }

  /** Runs the steps on {@code engine} from its current parameters; returns the steps. */
  public List<Step> run(ModelEngine engine, Options o, Listener listener) throws IOException {
    float[] params = engine.params();
    AdamW adam = AdamW.forLayout(AdamWConfig.DEFAULT, LactModelLayout.of(engine.config()));
    List<Step> out = new ArrayList<>();
    DatasetReader reader = open(o.split());
    try {
      for (int step = 1; step <= o.steps(); step++) {
        int[][] rows = new int[o.sequences()][];
        int[][] starts = new int[o.sequences()][];
        for (int i = 0; i < rows.length; i++) {
          PackedSequence s = reader.next();
          if (s == null) {  // the split's end: start it again
            reader.close();
            reader = open(o.split());
            s = reader.next();
          }
          rows[i] = s.tokens();
          starts[i] = s.documentStarts();
        }
        long t0 = System.nanoTime();
        engine.setParams(new float[][] {params});
        TrainSteps.Share share = TrainSteps.gradients(engine, length(), rows, starts, o.microBatch());
        UpdateStep.Result u = UpdateStep.apply(adam, params, share.grad(), share.scored(), o.lr(), o.clipNorm());
        Step s = new Step(step, share.scored() == 0 ? Double.NaN : share.loss() / share.scored(), u.gradNorm(),
            u.applied(), share.scored(), System.nanoTime() - t0);
        out.add(s);
        listener.step(s);
      }
    } finally {
      reader.close();
    }
    return out;
  }

  private DatasetReader open(String split) throws IOException {
    return DatasetReader.open(ShardSource.directory(dataset), split, DatasetReader.Cursor.START);
  }
}
