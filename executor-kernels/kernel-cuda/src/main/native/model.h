// The whole LaCT language model on the device (issue 10): embedding, the blocks (RMSNorm, the LaCT
// layer with sliding-window attention and the TTT branch, RMSNorm, SwiGLU MLP), the final norm and
// the LM head with a chunked cross-entropy; forward and hand-written backward, parameters and their
// gradient sum resident on the device, in the flat layout of the Java LactModelLayout (the Java
// side passes each tensor's offset, so the layout has one definition).
#pragma once
#include <memory>
#include <vector>

namespace lact {

// The model's hyperparameters (org.lactspark.conf.ModelConfig, the Java side validates them).
struct ModelSpec {
  int vocab, d, layers, attnHeads, lactHeads, fastHidden, window, chunk, lowRank, mlp, padId;
  bool muon, momentum, qkvSilu, noVSilu, qkNorm, tttScale, prenorm, nope, tied, tttEnabled, documentRestart;
  double ropeTheta, normEps, lrShift;
  std::vector<double> ns;  // Newton-Schulz coefficients, a b c per step
};

// One layer's tensors, in the order the Java side passes their offsets (-1: absent).
enum LayerTensor {
  ATTN_NORM, W1, QK_SCALE, QK_OFFSET, QKV, O_PROJ, W0, W0_LEFT, W0_RIGHT, W2, W2_LEFT, W2_RIGHT, LR_W, LR_B,
  TS_W, TS_B, TTT_NORM, MOM_W, MOM_B, Q_NORM, K_NORM, MLP_NORM, GATE, UP, DOWN, LAYER_TENSORS
};

// Offsets into the flat vector: the embedding, the final norm, the LM head (-1 when tied), the
// total length, and per layer its LAYER_TENSORS offsets.
struct ModelLayout {
  long long embed, finalNorm, lmHead, total;
  std::vector<long long> layer;  // layers * LAYER_TENSORS
};

// A loss summed over the scored positions.
struct LossSum {
  double sum;
  long long scored;
};

class NativeModel {
 public:
  virtual ~NativeModel() = default;
  virtual long long size() const = 0;
  // Parameters [offset, offset + n) from float32 or float64 host values.
  virtual void setParams(long long offset, const float* v, long long n) = 0;
  virtual void setParams(long long offset, const double* v, long long n) = 0;
  virtual void params(float* out) = 0;
  // Forward (and backward into the gradient sum when grads) over ids [B, L] with document numbers
  // docs (0: padding) and targets (-1: not scored). logits, when not null, receives [B*L, vocab].
  virtual LossSum step(int B, int L, const int* ids, const int* docs, const int* targets, bool grads, double* logits) = 0;
  // The gradient summed since the last take (of the summed token loss), then zeroed.
  virtual void takeGradient(float* out) = 0;
  virtual void takeGradient(double* out) = 0;
  // {peak device bytes since the last call, device bytes held now}
  virtual std::vector<double> memory() = 0;
  // AdamW (the Java AdamW's arithmetic, element by element in double) on the gradient sum times
  // gradScale, clipped to a global norm of clipNorm (0: never), with weight decay on the elements
  // of the [start, end) ranges; then the gradient sum is zeroed. When the step would leave a
  // parameter NaN or infinite nothing changes (parameters, moments, step count, gradient sum).
  // Returns {gradient norm before clipping, 1 if applied else 0}.
  virtual std::vector<double> optimizerStep(double lr, double beta1, double beta2, double eps, double weightDecay,
      double clipNorm, double gradScale) = 0;
  virtual void setDecayRanges(const std::vector<long long>& ranges) = 0;
  // The optimizer's moments [offset, offset + n) from float32 host values, and its step count.
  virtual void setMoments(long long offset, const float* m, const float* v, long long n, long long steps) = 0;
  // The moments (zeros before any step) into m and v (size() values each); returns the step count.
  virtual long long moments(float* m, float* v) = 0;
};

// precision: PREC_F64 / PREC_F32 / PREC_BF16 (lact_cuda.h); update: the op's update path code.
std::unique_ptr<NativeModel> openModel(int precision, int update, const ModelSpec& spec, const ModelLayout& layout);

// One LaCT layer alone (the lact-layer fixtures): y = layer(x [B, L, d]) and, for the output
// gradient dy, dx and the gradient of every parameter (written into grads, the layer's flat
// layout given by offsets, LAYER_TENSORS entries over a vector of nParams). Host float64 arrays.
void layerCheck(int precision, int update, const ModelSpec& spec, const long long* offsets, long long nParams,
    const double* params, int B, int L, const double* x, const double* dy, double* y, double* dx, double* grads);

}  // namespace lact
