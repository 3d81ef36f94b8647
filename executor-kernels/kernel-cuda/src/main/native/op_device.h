// The op with its inputs, outputs and gradients on the device, for callers that keep everything
// there (the native model, model.cu). The host entry points of lact_cuda.h are built on it too.
#pragma once
#include <memory>

#include "lact_cuda.h"
#include "runtime.h"

namespace lact {

// Gradients on the device, in the precision T: w the three weights' group [3][n][ws]; q, k, v
// [n, L, dIn]; eta [3][n*L] (with respect to the unmasked rates); mom [n*L] (empty without momentum).
template <class T>
struct DeviceGrads {
  Buf<T> w, q, k, v, eta, mom;
};

// One pass's inputs on the device, which the pass takes over: the initial weights' group
// [3][n][ws] (W0, W1, W2), q, k, v [n, L, dIn], the rates [3][n*L] already multiplied by the
// write mask, the mask [n*L] (empty: every token writes) and the momentum coefficients [n*L]
// (empty without momentum).
template <class T>
struct DeviceOpInputs {
  Buf<T> w, q, k, v, eta, mask, mom;
};

template <class T>
class DeviceOp {
 public:
  virtual ~DeviceOp() = default;
  // The forward into out [n, L, dIn]; keeps what the backward needs.
  virtual void run(T* out) = 0;
  // The backward of the last run for the output gradient dOut [n, L, dIn].
  virtual DeviceGrads<T> backwardOnDevice(const T* dOut) = 0;
  virtual long long savedBytes() const = 0;
};

// T is double for PREC_F64 and float for PREC_F32 and PREC_BF16. The caller holds lock().
template <class T>
std::unique_ptr<DeviceOp<T>> deviceOp(int precision, int update, const Dims& d, const Spec& s, DeviceOpInputs<T>&& in);

}  // namespace lact
