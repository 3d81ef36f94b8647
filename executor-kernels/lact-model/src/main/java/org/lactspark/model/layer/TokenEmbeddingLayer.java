package org.lactspark.model.layer;

import java.util.Collection;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.lactspark.kernel.params.ParamInit;
import org.lactspark.kernel.params.ParamSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Token embedding: token ids {@code [B, L]} to {@code [B, L, d]}; {@code weight [V, d]}. */
public class TokenEmbeddingLayer extends ModelLayerConf {
  private static final long serialVersionUID = 1L;

  private int vocabSize;
  private int hiddenSize;
  private int padTokenId = -1;

  /** For JSON. */
  public TokenEmbeddingLayer() {}

  /**
   * An embedding of {@code vocab} tokens into {@code d} channels; the row of {@code padTokenId}
   * (-1: none) gets no gradient.
   */
  public static TokenEmbeddingLayer of(int vocab, int d, double initializerRange, int padTokenId) {
    TokenEmbeddingLayer l = new TokenEmbeddingLayer();
    l.vocabSize = vocab;
    l.hiddenSize = d;
    l.initializerRange = initializerRange;
    l.padTokenId = padTokenId;
    return l;
  }

  @Override
  public List<ParamSpec> paramSpecs() {
    return List.of(new ParamSpec("weight", new int[] {vocabSize, hiddenSize}, new ParamInit.Normal(initializerRange)));
  }

  @Override
  public long outputWidth() {
    return hiddenSize;
  }

  @Override
  public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners, int index, INDArray paramsView, boolean initializeParams,
      DataType dataType) {
    return wire(new TokenEmbeddingLayerImpl(conf, dataType), conf, listeners, index, paramsView, initializeParams);
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

  public int getPadTokenId() {
    return padTokenId;
  }

  public void setPadTokenId(int padTokenId) {
    this.padTokenId = padTokenId;
  }
}
