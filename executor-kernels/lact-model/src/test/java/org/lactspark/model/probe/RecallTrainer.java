package org.lactspark.model.probe;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.lactspark.conf.ModelConfig;
import org.lactspark.data.probe.KeyValueRecall;
import org.lactspark.kernel.optim.AdamW;
import org.lactspark.kernel.optim.AdamWConfig;
import org.lactspark.kernel.params.LactModelLayout;
import org.lactspark.model.graph.LactModels;
import org.lactspark.model.graph.ModelParams;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trains a model on the key-value recall task with the project's AdamW and measures recall: the
 * fraction of queried value tokens the model predicts exactly (argmax), on examples it never saw.
 */
public final class RecallTrainer {
  private final KeyValueRecall task;
  private final int batch;
  private final DataType dataType;
  private final String backend;

  public RecallTrainer(KeyValueRecall task, int batch, DataType dataType, String backend) {
    this.task = task;
    this.batch = batch;
    this.dataType = dataType;
    this.backend = backend;
  }

  /** The trained graph after {@code steps} steps at learning rate {@code lr}. */
  public ComputationGraph train(ModelConfig c, long seed, int steps, double lr) {
    return train(c, seed, steps, lr, 0, (s, g) -> { });
  }

  /**
   * As {@link #train(ModelConfig, long, int, double)}, calling {@code progress} with the step count
   * and the graph every {@code every} steps (never if 0).
   */
  ComputationGraph train(ModelConfig c, long seed, int steps, double lr, int every,
      java.util.function.ObjIntConsumer<ComputationGraph> progress) {
    ComputationGraph g = LactModels.build(c, new LactModels.Options(dataType, seed, backend,
        new org.nd4j.linalg.learning.config.NoOp()));
    ModelParams.requireLayout(g, c);
    AdamW opt = AdamW.forLayout(new AdamWConfig(0.9, 0.95, 1e-8, 0.0), LactModelLayout.of(c));
    for (int s = 0; s < steps; s++) {
      INDArray[] xy = batch(seed * 1_000_003L + (long) s * batch);
      g.setInputs(xy[0]);
      g.setLabels(xy[1]);
      g.computeGradientAndScore();
      float[] params = g.params().castTo(DataType.FLOAT).data().asFloat();
      float[] grads = g.gradient().gradient().dup('c').castTo(DataType.FLOAT).data().asFloat();
      double warm = Math.min(1.0, (s + 1) / 20.0);
      opt.step(params, grads, lr * warm);
      g.params().assign(Nd4j.create(params, g.params().shape(), 'c').castTo(dataType));
      if (every > 0 && (s + 1) % every == 0) {
        progress.accept(g, s + 1);
      }
    }
    return g;
  }

  /** Recall on {@code n} batches of examples from seeds no training batch uses. */
  public double recall(ComputationGraph g, int n) {
    long correct = 0;
    long total = 0;
    for (int i = 0; i < n; i++) {
      INDArray[] xy = batch(-1_000_000_000L - (long) i * batch);
      INDArray logits = g.outputSingle(xy[0]);
      for (int b = 0; b < batch; b++) {
        for (int t = 1; t < task.seqLen(); t++) {
          double label = xy[1].getDouble(b, t);
          if (label != KeyValueRecall.IGNORE) {
            int predicted = logits.get(org.nd4j.linalg.indexing.NDArrayIndex.point(b),
                org.nd4j.linalg.indexing.NDArrayIndex.point(t - 1), org.nd4j.linalg.indexing.NDArrayIndex.all())
                .argMax().getInt(0);
            correct += predicted == (int) label ? 1 : 0;
            total++;
          }
        }
      }
    }
    return (double) correct / total;
  }

  private INDArray[] batch(long firstSeed) {
    double[] x = new double[batch * task.seqLen()];
    double[] y = new double[batch * task.seqLen()];
    for (int b = 0; b < batch; b++) {
      KeyValueRecall.Example e = task.generate(firstSeed + b);
      for (int t = 0; t < task.seqLen(); t++) {
        x[b * task.seqLen() + t] = e.tokens()[t];
        y[b * task.seqLen() + t] = e.labels()[t];
      }
    }
    long[] shape = {batch, task.seqLen()};
    return new INDArray[] {Nd4j.create(x, shape, DataType.DOUBLE).castTo(dataType),
        Nd4j.create(y, shape, DataType.DOUBLE).castTo(dataType)};
  }
}
