// The library's C++ entry points, called by the JNI bridge (lact_jni.cpp) and the native self-test.
// Host arrays are float64 in the layouts of the Java LactInputs; every function converts to the
// device precision, holds the runtime lock for its whole call and throws lact::Error (device) or
// lact::ArgError (arguments).
#pragma once
#include <memory>
#include <string>
#include <vector>

namespace lact {

enum Precision { PREC_F64 = 0, PREC_F32 = 1, PREC_BF16 = 2 };
enum UpdatePath { UPD_BF16 = 0, UPD_TF32 = 1, UPD_FP32 = 2 };
// Added to an UpdatePath: the backward recomputes Newton-Schulz's iterates instead of keeping
// them from the forward (less memory, about 1.4x the Newton-Schulz time).
constexpr int UPD_RECOMPUTE_NS = 16;

struct Dims {
  int n, dIn, dH, L;
};

struct Spec {
  int mode;   // 0 block-causal, 1 bidirectional
  int norm;   // 0 post-norm, 1 pre-norm
  int chunk;  // tokens per update (block-causal)
  bool muon, momentum, detached;
  std::vector<double> ns;  // a, b, c per Newton-Schulz step
};

// Host inputs (float64); momentum and mask may be null.
struct HostInputs {
  const double *w0, *w1, *w2, *q, *k, *v, *lr0, *lr1, *lr2, *momentum, *mask;
};

// A forward pass's saved state on the device.
class Pass {
 public:
  virtual ~Pass() = default;
  virtual long long savedBytes() const = 0;
  virtual void finalWeights(double* w0, double* w1, double* w2) = 0;
  // grads: w0, w1, w2, q, k, v, lr0, lr1, lr2, momentum (null without momentum)
  virtual void backward(const double* dOut, double* const* grads) = 0;
};

// A block-causal op fed chunk by chunk (inference).
class Stream {
 public:
  virtual ~Stream() = default;
  virtual void read(int len, const double* q, double* out) = 0;
  virtual void write(int len, const double* k, const double* v, const double* lr0, const double* lr1, const double* lr2,
      const double* momentum) = 0;
  virtual void weights(double* w0, double* w1, double* w2) = 0;
};

std::string initDevice(int device);
long long allocated();
long long deviceUsed();
void checkAllocation(long long bytes);

std::unique_ptr<Pass> forward(int precision, int update, const Dims& d, const Spec& s, const HostInputs& in, double* out);
void newtonSchulz(int precision, int update, int batch, int rows, int cols, const std::vector<double>& ns,
    const double* g, const double* dX, double* out);  // dX null: forward; else the gradient for g
std::unique_ptr<Stream> openStream(int precision, int update, const Dims& d, const Spec& s, const double* w0,
    const double* w1, const double* w2);
// {forward ms, forward+backward ms, peak bytes, saved bytes}
std::vector<double> timeOnDevice(int precision, int update, const Dims& d, const Spec& s, const HostInputs& in,
    const double* dOut, int warmup, int runs);

}  // namespace lact
