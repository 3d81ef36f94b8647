package org.lactspark.model.layer;

import java.util.Collection;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.lactspark.kernel.params.ParamInit;
import org.lactspark.kernel.params.ParamSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The LM head and loss: {@code logits = h W^T} with {@code weight [V, d]}, scored by {@link
 * org.lactspark.model.nn.ShiftedCrossEntropy} against unshifted labels {@code [B, L]} (the official
 * convention: the head shifts them itself; -100 is ignored).
 */
public class LmHeadLayer extends ModelLayerConf {
  private static final long serialVersionUID = 1L;

  private int vocabSize;
  private int hiddenSize;
  private boolean documentRestart;
  private boolean tiedToEmbedding;

  /** For JSON. */
  public LmHeadLayer() {}

  /** A head from {@code d} channels to {@code vocab} logits. */
  public static LmHeadLayer of(int vocab, int d, double initializerRange, boolean documentRestart) {
    LmHeadLayer l = new LmHeadLayer();
    l.vocabSize = vocab;
    l.hiddenSize = d;
    l.initializerRange = initializerRange;
    l.documentRestart = documentRestart;
    return l;
  }

  /**
   * This head with {@code tie_word_embeddings}: it has no weight of its own and uses the token
   * embedding's ({@link org.lactspark.model.graph.LactModels} connects the two after building or
   * loading a graph), adding its weight gradient to the embedding's.
   */
  public LmHeadLayer tied() {
    this.tiedToEmbedding = true;
    return this;
  }

  @Override
  public List<ParamSpec> paramSpecs() {
    if (tiedToEmbedding) {
      return List.of();
    }
    return List.of(new ParamSpec("weight", new int[] {vocabSize, hiddenSize}, new ParamInit.Normal(initializerRange)));
  }

  @Override
  public long outputWidth() {
    return vocabSize;
  }

  @Override
  public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners, int index, INDArray paramsView, boolean initializeParams,
      DataType dataType) {
    return wire(new LmHeadLayerImpl(conf, dataType), conf, listeners, index, paramsView, initializeParams);
  }

  public int getVocabSize() {
    return vocabSize;
  }

  public void setVocabSize(int vocabSize) {
    this.vocabSize = vocabSize;
  }

  public int getHiddenSize() {
    return hiddenSize;
  }

  public void setHiddenSize(int hiddenSize) {
    this.hiddenSize = hiddenSize;
  }

  public boolean isDocumentRestart() {
    return documentRestart;
  }

  public void setDocumentRestart(boolean documentRestart) {
    this.documentRestart = documentRestart;
  }

  public boolean isTiedToEmbedding() {
    return tiedToEmbedding;
  }

  public void setTiedToEmbedding(boolean tiedToEmbedding) {
    this.tiedToEmbedding = tiedToEmbedding;
  }
}
