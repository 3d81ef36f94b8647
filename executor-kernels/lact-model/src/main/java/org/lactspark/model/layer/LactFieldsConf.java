package org.lactspark.model.layer;

import java.util.List;
import org.lactspark.kernel.params.LactModelLayout;
import org.lactspark.kernel.params.ParamSpec;
import org.lactspark.model.nn.LactLayerSpec;

/**
 * The configuration fields of a LaCT layer (lact-spec 1.3), shared by {@link LactSwiGluLayer} and
 * {@link LactBlockLayer}: the fields of {@link LactLayerSpec}, the low-rank gain and the kernel
 * backend. Each has a getter and a setter so DL4J's JSON keeps it.
 */
public abstract class LactFieldsConf extends ModelLayerConf {
  private static final long serialVersionUID = 1L;

  /** Model width d. */
  protected int hiddenSize;
  /** Attention heads. */
  protected int numAttnHeads;
  /** Fast-weight heads. */
  protected int numLactHeads;
  /** Fast SwiGLU hidden width d_h. */
  protected int fastHiddenDim;
  /** Attention window. */
  protected int windowSize;
  /** TTT chunk size. */
  protected int chunkSize;
  /** Newton-Schulz on the updates. */
  protected boolean useMuon;
  /** Momentum on the updates. */
  protected boolean useMomentum;
  /** Rank of the initial W0 and W2 (0: full rank). */
  protected int lowRank;
  /** Gain of the low-rank initialisation. */
  protected double fwInitGain = 0.5;
  /** Median inner learning rate at init. */
  protected double baseLr = 0.001;
  /** Silu on the TTT q, k, v. */
  protected boolean qkvSilu;
  /** No silu on the TTT v. */
  protected boolean noVSilu;
  /** RMSNorm on q and k. */
  protected boolean attnQkNorm;
  /** Silu gate on the TTT output. */
  protected boolean learnableTttScale;
  /** Pre-norm op variant. */
  protected boolean tttPrenorm;
  /** No RoPE in the TTT branch. */
  protected boolean tttNope;
  /** RoPE base. */
  protected double ropeTheta = 10000.0;
  /** The set variant. */
  protected boolean bidirectional;
  /** Restart at document starts. */
  protected boolean documentRestart;
  /** The TTT branch is on (false: attention only). */
  protected boolean tttEnabled = true;
  /** Kernel backend name ("auto" picks the best available). */
  protected String backend = "nd4j";

  /** For JSON. */
  protected LactFieldsConf() {}

  /** Copies every field of {@code s} into this configuration. */
  protected void applySpec(LactLayerSpec s) {
    hiddenSize = s.hiddenSize();
    numAttnHeads = s.numAttnHeads();
    numLactHeads = s.numLactHeads();
    fastHiddenDim = s.fastHiddenDim();
    windowSize = s.windowSize();
    chunkSize = s.chunkSize();
    useMuon = s.useMuon();
    useMomentum = s.useMomentum();
    lowRank = s.lowRank();
    baseLr = s.baseLr();
    qkvSilu = s.qkvSilu();
    noVSilu = s.noVSilu();
    attnQkNorm = s.attnQkNorm();
    learnableTttScale = s.learnableTttScale();
    tttPrenorm = s.tttPrenorm();
    tttNope = s.tttNope();
    ropeTheta = s.ropeTheta();
    bidirectional = s.bidirectional();
    documentRestart = s.documentRestart();
    tttEnabled = s.tttEnabled();
  }

  /**
   * The layer spec of these fields.
   *
   * @throws IllegalArgumentException naming the field that breaks a rule
   */
  public LactLayerSpec spec() {
    return new LactLayerSpec(hiddenSize, numAttnHeads, numLactHeads, fastHiddenDim, windowSize, chunkSize,
        useMuon, useMomentum, lowRank, baseLr, qkvSilu, noVSilu, attnQkNorm, learnableTttScale, tttPrenorm,
        tttNope, ropeTheta, bidirectional, documentRestart, tttEnabled);
  }

  /** The LaCT layer's parameters under {@code prefix}, in the official order. */
  protected List<ParamSpec> lactParams(String prefix) {
    return LactModelLayout.lactLayer(prefix, hiddenSize, numLactHeads, fastHiddenDim, lowRank, fwInitGain,
        learnableTttScale, useMomentum, attnQkNorm, initializerRange);
  }

  public int getHiddenSize() {
    return hiddenSize;
  }

  public void setHiddenSize(int hiddenSize) {
    this.hiddenSize = hiddenSize;
  }

  public int getNumAttnHeads() {
    return numAttnHeads;
  }

  public void setNumAttnHeads(int numAttnHeads) {
    this.numAttnHeads = numAttnHeads;
  }

  public int getNumLactHeads() {
    return numLactHeads;
  }

  public void setNumLactHeads(int numLactHeads) {
    this.numLactHeads = numLactHeads;
  }

  public int getFastHiddenDim() {
    return fastHiddenDim;
  }

  public void setFastHiddenDim(int fastHiddenDim) {
    this.fastHiddenDim = fastHiddenDim;
  }

  public int getWindowSize() {
    return windowSize;
  }

  public void setWindowSize(int windowSize) {
    this.windowSize = windowSize;
  }

  public int getChunkSize() {
    return chunkSize;
  }

  public void setChunkSize(int chunkSize) {
    this.chunkSize = chunkSize;
  }

  public boolean isUseMuon() {
    return useMuon;
  }

  public void setUseMuon(boolean useMuon) {
    this.useMuon = useMuon;
  }

  public boolean isUseMomentum() {
    return useMomentum;
  }

  public void setUseMomentum(boolean useMomentum) {
    this.useMomentum = useMomentum;
  }

  public int getLowRank() {
    return lowRank;
  }

  public void setLowRank(int lowRank) {
    this.lowRank = lowRank;
  }

  public double getFwInitGain() {
    return fwInitGain;
  }

  public void setFwInitGain(double fwInitGain) {
    this.fwInitGain = fwInitGain;
  }

  public double getBaseLr() {
    return baseLr;
  }

  public void setBaseLr(double baseLr) {
    this.baseLr = baseLr;
  }

  public boolean isQkvSilu() {
    return qkvSilu;
  }

  public void setQkvSilu(boolean qkvSilu) {
    this.qkvSilu = qkvSilu;
  }

  public boolean isNoVSilu() {
    return noVSilu;
  }

  public void setNoVSilu(boolean noVSilu) {
    this.noVSilu = noVSilu;
  }

  public boolean isAttnQkNorm() {
    return attnQkNorm;
  }

  public void setAttnQkNorm(boolean attnQkNorm) {
    this.attnQkNorm = attnQkNorm;
  }

  public boolean isLearnableTttScale() {
    return learnableTttScale;
  }

  public void setLearnableTttScale(boolean learnableTttScale) {
    this.learnableTttScale = learnableTttScale;
  }

  public boolean isTttPrenorm() {
    return tttPrenorm;
  }

  public void setTttPrenorm(boolean tttPrenorm) {
    this.tttPrenorm = tttPrenorm;
  }

  public boolean isTttNope() {
    return tttNope;
  }

  public void setTttNope(boolean tttNope) {
    this.tttNope = tttNope;
  }

  public double getRopeTheta() {
    return ropeTheta;
  }

  public void setRopeTheta(double ropeTheta) {
    this.ropeTheta = ropeTheta;
  }

  public boolean isBidirectional() {
    return bidirectional;
  }

  public void setBidirectional(boolean bidirectional) {
    this.bidirectional = bidirectional;
  }

  public boolean isTttEnabled() {
    return tttEnabled;
  }

  public void setTttEnabled(boolean tttEnabled) {
    this.tttEnabled = tttEnabled;
  }

  public boolean isDocumentRestart() {
    return documentRestart;
  }

  public void setDocumentRestart(boolean documentRestart) {
    this.documentRestart = documentRestart;
  }

  public String getBackend() {
    return backend;
  }

  public void setBackend(String backend) {
    this.backend = backend;
  }

}
