package org.lactspark.model.layer;

import java.util.List;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.lactspark.model.nn.Linear;
import org.lactspark.model.nn.ShiftedCrossEntropy;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The LM head as DL4J's output layer: {@code output()} gives logits {@code [B, L, V]}; the score
 * is the shifted cross-entropy against the labels, restricted by the sequence mask. DL4J's
 * classifier shortcuts ({@code fit}, {@code predict}, {@code f1Score} on this layer alone) do not
 * apply to a language model and say so.
 */
final class LmHeadLayerImpl extends ModelLayerImpl<LmHeadLayer> implements IOutputLayer {
  private static final long serialVersionUID = 1L;

  private transient INDArray labels;
  private transient ShiftedCrossEntropy.Pass loss;
  private transient INDArray lossInput;
  private transient INDArray lossLabels;
  private transient TokenEmbeddingLayerImpl tiedEmbedding;

  LmHeadLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /** Connects a tied head to the embedding whose weight it uses. */
  void tieTo(TokenEmbeddingLayerImpl embedding) {
    if (!layerConf().isTiedToEmbedding()) {
      throw new IllegalStateException("LM head " + layerId() + " is not tied");
    }
    this.tiedEmbedding = embedding;
  }

  /** The head's weight {@code [V, d]}: its own, or the embedding's when tied. */
  private INDArray weight() {
    if (!layerConf().isTiedToEmbedding()) {
      return parameters().get("weight");
    }
    if (tiedEmbedding == null) {
      throw new IllegalStateException("LM head " + layerId() + " is tied to the token embedding but not connected "
          + "to it: build or load the graph with LactModels.build / ModelFiles.load (or call LactModels.connect)");
    }
    return tiedEmbedding.weight();
  }

  private INDArray rows(INDArray h) {
    return h.dup('c').reshape('c', -1, layerConf().getHiddenSize());
  }

  @Override
  protected INDArray forward(INDArray input, INDArray mask, boolean training) {
    return Linear.forward(rows(input), weight(), null)
        .reshape('c', input.size(0), input.size(1), layerConf().getVocabSize());
  }

  /**
   * The loss of the current input against the current labels, computed once per pair; {@code
   * withProbs}: the backward's, which needs the probabilities that an earlier backward consumed.
   */
  private ShiftedCrossEntropy.Pass loss(boolean withProbs) {
    if (labels == null) {
      throw new IllegalStateException("LM head " + layerId() + ": no labels set");
    }
    if (loss == null || lossInput != input || lossLabels != labels || (withProbs && loss.probs() == null)) {
      if (labels.rank() != 2 || labels.size(0) != input.size(0) || labels.size(1) != input.size(1)) {
        throw new IllegalArgumentException("labels: expected shape [" + input.size(0) + ", " + input.size(1)
            + "] (token ids, unshifted), got " + java.util.Arrays.toString(labels.shape()));
      }
      int[] targets = ShiftedCrossEntropy.targets(labels, maskArray, layerConf().isDocumentRestart(),
          layerConf().getVocabSize());
      INDArray logits = Linear.forward(rows(input), weight(), null);
      loss = ShiftedCrossEntropy.forward(logits, targets, (int) input.size(0));
      lossInput = input;
      lossLabels = labels;
    }
    return loss;
  }

  @Override
  protected INDArray backward(INDArray epsilon) {
    ShiftedCrossEntropy.Pass p = loss(true);
    // The backward consumes the probabilities in place, but the loss stays cached for the score:
    // ComputationGraph.computeGradientAndScore asks for it after the backward, when the layers no
    // longer hold the feature mask, and a recomputed loss would score the padding.
    loss = new ShiftedCrossEntropy.Pass(p.loss(), p.perSequenceSum(), p.perSequenceCount(), p.scored(), null,
        p.targets());
    INDArray dLogits = ShiftedCrossEntropy.backward(p);
    INDArray h = rows(input);
    if (!layerConf().isTiedToEmbedding()) {
      return Linear.backward(h, weight(), dLogits, gradients().get("weight"), null).reshape('c', input.shape());
    }
    // Tied: the weight gradient goes to the embedding, which adds it to its own in its backward.
    INDArray dw = Nd4j.createUninitialized(dLogits.dataType(), weight().shape());
    INDArray dx = Linear.backward(h, weight(), dLogits, dw, null);
    tiedEmbedding.addHeadGradient(dw);
    return dx.reshape('c', input.shape());
  }

  @Override
  public boolean needsLabels() {
    return true;
  }

  @Override
  public void setLabels(INDArray labels) {
    this.labels = labels;
  }

  @Override
  public INDArray getLabels() {
    return labels;
  }

  @Override
  public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
    try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      score = loss(false).loss() + fullNetRegTerm;
    }
    return score;
  }

  @Override
  public INDArray computeScoreForExamples(double fullNetRegTerm, LayerWorkspaceMgr workspaceMgr) {
    try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      ShiftedCrossEntropy.Pass p = loss(false);
      double[] per = new double[p.perSequenceSum().length];
      for (int i = 0; i < per.length; i++) {
        int n = p.perSequenceCount()[i];
        per[i] = (n == 0 ? 0.0 : p.perSequenceSum()[i] / n) + fullNetRegTerm;
      }
      return Nd4j.create(per, new long[] {per.length, 1}).castTo(dataType);
    }
  }

  private UnsupportedOperationException notForLanguageModels(String what) {
    return new UnsupportedOperationException("LM head " + layerId() + ": " + what
        + " is not defined for a language model head; use the ComputationGraph");
  }

  @Override
  public double f1Score(DataSet data) {
    throw notForLanguageModels("f1Score");
  }

  @Override
  public double f1Score(INDArray examples, INDArray labels) {
    throw notForLanguageModels("f1Score");
  }

  @Override
  public int numLabels() {
    return layerConf().getVocabSize();
  }

  @Override
  public void fit(DataSetIterator iter) {
    throw notForLanguageModels("fit on the layer alone");
  }

  @Override
  public int[] predict(INDArray examples) {
    throw notForLanguageModels("predict");
  }

  @Override
  public List<String> predict(DataSet dataSet) {
    throw notForLanguageModels("predict");
  }

  @Override
  public void fit(INDArray examples, INDArray labels) {
    throw notForLanguageModels("fit on the layer alone");
  }

  @Override
  public void fit(DataSet data) {
    throw notForLanguageModels("fit on the layer alone");
  }

  @Override
  public void fit(INDArray examples, int[] labels) {
    throw notForLanguageModels("fit on the layer alone");
  }
}
