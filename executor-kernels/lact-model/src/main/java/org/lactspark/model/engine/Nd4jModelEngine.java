package org.lactspark.model.engine;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.model.LossTargets;
import org.lactspark.kernel.model.ModelEngine;
import org.lactspark.kernel.model.TokenBatch;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A training step on the DL4J graph. The graph's score and gradient are of the MEAN loss over the
 * batch's scored positions (the LM head's), so each batch's are multiplied by its scored count
 * before they are added: sums of any split of the sequences then agree. The gradient sum is kept
 * in double and handed out as float, so micro-batching changes it only by float rounding of each
 * batch's gradient.
 */
final class Nd4jModelEngine implements ModelEngine {
  private final ModelConfig config;
  private final int device;
  private final ComputationGraph graph;
  /** The gradient summed since the last take; null while nothing is (allocated per step, as before). */
  private double[] gradSum;

  Nd4jModelEngine(ModelConfig config, int device, ComputationGraph graph) {
    this.config = config;
    this.device = device;
    this.graph = graph;
  }

  @Override
  public String backend() {
    return Nd4jEngineProvider.NAME;
  }

  @Override
  public String device() {
    return Nd4jDevices.describe(device);
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  @Override
  public long size() {
    return graph.numParams();
  }

  @Override
  public void setParams(float[][] chunks) {
    long total = 0;
    for (float[] c : chunks) {
      total += c.length;
    }
    if (total != graph.numParams()) {
      throw new IllegalArgumentException("parameters: " + total + " values, the model has " + graph.numParams());
    }
    Nd4jDevices.bind(device);
    INDArray flat = graph.params();
    long at = 0;
    for (float[] c : chunks) {
      INDArrayIndex range = NDArrayIndex.interval(at, at + c.length);
      INDArray part = flat.rank() == 1 ? flat.get(range) : flat.get(NDArrayIndex.point(0), range);
      part.assign(Nd4j.create(c, part.shape(), 'c'));
      at += c.length;
    }
  }

  @Override
  public float[] params() {
    return graph.params().dup('c').data().asFloat();
  }

  @Override
  public LossSum accumulate(TokenBatch batch) {
    long n = scored(batch);
    Nd4jDevices.bind(device);
    INDArray ids = GraphInputs.ids(batch);
    try {
      graph.setInputs(ids);
      graph.setLabels(ids);
      graph.setLayerMaskArrays(new INDArray[] {GraphInputs.mask(batch)}, null);
      graph.computeGradientAndScore();
      float[] g = graph.gradient().gradient().dup('c').data().asFloat();
      if (gradSum == null) {
        gradSum = new double[g.length];
      }
      for (int i = 0; i < g.length; i++) {
        gradSum[i] += (double) g[i] * n;
      }
      return new LossSum(graph.score() * n, n);
    } finally {
      graph.clearLayerMaskArrays();
    }
  }

  @Override
  public LossSum loss(TokenBatch batch) {
    long n = scored(batch);
    Nd4jDevices.bind(device);
    INDArray ids = GraphInputs.ids(batch);
    try {
      double mean = graph.score(new MultiDataSet(new INDArray[] {ids}, new INDArray[] {ids},
          new INDArray[] {GraphInputs.mask(batch)}, null));
      return new LossSum(mean * n, n);
    } finally {
      graph.clearLayerMaskArrays();
    }
  }

  /** The positions the LM head scores in {@code batch}, checking the ids first (naming a bad one). */
  private long scored(TokenBatch batch) {
    batch.requireIds(config.vocabSize());
    return LossTargets.scored(LossTargets.of(batch, config.documentRestart(), config.vocabSize()));
  }

  @Override
  public float[] takeGradientSum() {
    float[] out = new float[(int) graph.numParams()];
    if (gradSum != null) {
      for (int i = 0; i < out.length; i++) {
        out[i] = (float) gradSum[i];
      }
      // dropped, not zeroed: a resident engine holds no parameter-sized double array between steps
      gradSum = null;
    }
    return out;
  }

  @Override
  public void close() {
    graph.close();
  }
}
