// The JNI bridge for org.lactspark.kernel.cuda.NativeLact: checks every array's length against
// the dimensions (naming the argument), copies arrays in and out, and turns lact::ArgError into
// IllegalArgumentException and lact::Error (CUDA, cuBLAS) into CudaException with their message.
#include <jni.h>

#include <memory>
#include <new>
#include <string>
#include <vector>

#include "jni_util.h"
#include "lact_cuda.h"
#include "runtime.h"

namespace {
using namespace jni;
lact::Dims dims(JNIEnv* env, jintArray a, bool withLength) {
  std::vector<int> d = ints(env, a, "dims", withLength ? 4 : 3);
  for (int x : d)
    if (x < 1) throw lact::ArgError("dims: every dimension must be >= 1");
  return {d[0], d[1], d[2], withLength ? d[3] : 1};
}

lact::Spec spec(JNIEnv* env, jintArray a, jdoubleArray ns) {
  std::vector<int> s = ints(env, a, "spec", 6);
  return {s[0], s[1], s[2], s[3] != 0, s[4] != 0, s[5] != 0, doubles(env, ns, "ns")};
}

// The op's eleven inputs, read and length-checked.
struct Inputs {
  In w0, w1, w2, q, k, v, lr0, lr1, lr2, momentum, mask;
  Inputs(JNIEnv* env, const lact::Dims& d, const lact::Spec& s, jdoubleArray aw0, jdoubleArray aw1, jdoubleArray aw2,
      jdoubleArray aq, jdoubleArray ak, jdoubleArray av, jdoubleArray alr0, jdoubleArray alr1, jdoubleArray alr2,
      jdoubleArray amom, jdoubleArray amask)
      : w0(env, aw0, "w0", (long long) d.n * d.dH * d.dIn),
        w1(env, aw1, "w1", (long long) d.n * d.dH * d.dIn),
        w2(env, aw2, "w2", (long long) d.n * d.dH * d.dIn),
        q(env, aq, "q", (long long) d.n * d.L * d.dIn),
        k(env, ak, "k", (long long) d.n * d.L * d.dIn),
        v(env, av, "v", (long long) d.n * d.L * d.dIn),
        lr0(env, alr0, "lr0", (long long) d.n * d.L),
        lr1(env, alr1, "lr1", (long long) d.n * d.L),
        lr2(env, alr2, "lr2", (long long) d.n * d.L),
        momentum(env, s.momentum ? amom : nullptr, "momentum", (long long) d.n * d.L, !s.momentum),
        mask(env, amask, "mask", (long long) d.n * d.L, true) {}
  lact::HostInputs host() const {
    return {w0.get(), w1.get(), w2.get(), q.get(), k.get(), v.get(), lr0.get(), lr1.get(), lr2.get(), momentum.get(), mask.get()};
  }
};

// Pass and stream handles carry their dimensions, to check later arrays.
struct PassHandle {
  lact::Dims d;
  bool momentum;
  std::unique_ptr<lact::Pass> pass;
};
struct StreamHandle {
  lact::Dims d;
  bool momentum;
  std::unique_ptr<lact::Stream> stream;
};

// Fills the three weight arrays {w0, w1, w2} of instances shaped by d through fill(w0, w1, w2).
template <class F>
void weightsOut(JNIEnv* env, const lact::Dims& d, jdoubleArray w0, jdoubleArray w1, jdoubleArray w2, F fill) {
  long long size = (long long) d.n * d.dH * d.dIn;
  Out a(env, w0, "w0", size), b(env, w1, "w1", size), c(env, w2, "w2", size);
  fill(a.get(), b.get(), c.get());
  a.commit();
  b.commit();
  c.commit();
}


}  // namespace

extern "C" {

JNIEXPORT jstring JNICALL Java_org_lactspark_kernel_cuda_NativeLact_init(JNIEnv* env, jclass, jint device) {
  JNI_TRY
  return env->NewStringUTF(lact::initDevice(device).c_str());
  JNI_CATCH(nullptr)
}

JNIEXPORT jlong JNICALL Java_org_lactspark_kernel_cuda_NativeLact_allocatedBytes(JNIEnv* env, jclass) {
  JNI_TRY
  return lact::allocated();
  JNI_CATCH(0)
}

JNIEXPORT void JNICALL Java_org_lactspark_kernel_cuda_NativeLact_checkAllocation(JNIEnv* env, jclass, jlong bytes) {
  JNI_TRY
  lact::checkAllocation(bytes);
  JNI_CATCH()
}

JNIEXPORT jlong JNICALL Java_org_lactspark_kernel_cuda_NativeLact_deviceUsedBytes(JNIEnv* env, jclass) {
  JNI_TRY
  return lact::deviceUsed();
  JNI_CATCH(0)
}

JNIEXPORT jlong JNICALL Java_org_lactspark_kernel_cuda_NativeLact_forward(JNIEnv* env, jclass, jint precision, jint update,
    jintArray jd, jintArray js, jdoubleArray jns, jdoubleArray w0, jdoubleArray w1, jdoubleArray w2, jdoubleArray q,
    jdoubleArray k, jdoubleArray v, jdoubleArray lr0, jdoubleArray lr1, jdoubleArray lr2, jdoubleArray mom, jdoubleArray mask,
    jdoubleArray out) {
  JNI_TRY
  lact::Dims d = dims(env, jd, true);
  lact::Spec s = spec(env, js, jns);
  auto h = std::make_unique<PassHandle>();
  h->d = d;
  h->momentum = s.momentum;
  Out o(env, out, "out", (long long) d.n * d.L * d.dIn);
  {
    Inputs in(env, d, s, w0, w1, w2, q, k, v, lr0, lr1, lr2, mom, mask);
    h->pass = lact::forward(precision, update, d, s, in.host(), o.get());
  }
  o.commit();
  return reinterpret_cast<jlong>(h.release());
  JNI_CATCH(0)
}

JNIEXPORT jlong JNICALL Java_org_lactspark_kernel_cuda_NativeLact_savedBytes(JNIEnv* env, jclass, jlong ph) {
  JNI_TRY
  PassHandle* h = handle<PassHandle>(ph, "pass");
  std::lock_guard<std::mutex> g(lact::lock());
  return h->pass->savedBytes();
  JNI_CATCH(0)
}

JNIEXPORT void JNICALL Java_org_lactspark_kernel_cuda_NativeLact_finalWeights(JNIEnv* env, jclass, jlong ph, jdoubleArray w0,
    jdoubleArray w1, jdoubleArray w2) {
  JNI_TRY
  PassHandle* h = handle<PassHandle>(ph, "pass");
  weightsOut(env, h->d, w0, w1, w2, [&](double* a, double* b, double* c) { h->pass->finalWeights(a, b, c); });
  JNI_CATCH()
}

JNIEXPORT void JNICALL Java_org_lactspark_kernel_cuda_NativeLact_backward(JNIEnv* env, jclass, jlong ph, jdoubleArray dOut,
    jobjectArray grads) {
  JNI_TRY
  PassHandle* h = handle<PassHandle>(ph, "pass");
  const lact::Dims& d = h->d;
  long long ws = (long long) d.n * d.dH * d.dIn, tok = (long long) d.n * d.L * d.dIn, nl = (long long) d.n * d.L;
  if (!grads || env->GetArrayLength(grads) != 10) throw lact::ArgError("grads: expected 10 arrays");
  const char* names[10] = {"grads[w0]", "grads[w1]", "grads[w2]", "grads[q]", "grads[k]", "grads[v]", "grads[lr0]", "grads[lr1]",
      "grads[lr2]", "grads[momentum]"};
  long long sizes[10] = {ws, ws, ws, tok, tok, tok, nl, nl, nl, nl};
  std::vector<std::unique_ptr<Out>> outs;
  double* ptr[10] = {nullptr};
  int count = h->momentum ? 10 : 9;
  for (int i = 0; i < count; i++) {
    jdoubleArray a = static_cast<jdoubleArray>(env->GetObjectArrayElement(grads, i));
    if (env->ExceptionCheck()) throw JavaPending();
    outs.push_back(std::make_unique<Out>(env, a, names[i], sizes[i]));
    ptr[i] = outs.back()->get();
  }
  {
    In g(env, dOut, "dOut", tok);
    h->pass->backward(g.get(), ptr);
  }
  for (auto& o : outs) o->commit();
  JNI_CATCH()
}

JNIEXPORT void JNICALL Java_org_lactspark_kernel_cuda_NativeLact_freePass(JNIEnv* env, jclass, jlong ph) {
  JNI_TRY
  if (!ph) return;
  std::lock_guard<std::mutex> g(lact::lock());
  delete reinterpret_cast<PassHandle*>(ph);
  JNI_CATCH()
}

static void nsCall(JNIEnv* env, jint precision, jint update, jint b, jint rows, jint cols, jdoubleArray jns, jdoubleArray g,
    jdoubleArray dX, jdoubleArray out, bool backward) {
  if (b < 1 || rows < 1 || cols < 1) throw lact::ArgError("newtonSchulz: every dimension must be >= 1");
  long long total = (long long) b * rows * cols;
  std::vector<double> ns = doubles(env, jns, "ns");
  Out o(env, out, "out", total);
  {
    In gi(env, g, "g", total);
    if (backward) {
      In di(env, dX, "dX", total);
      lact::newtonSchulz(precision, update, b, rows, cols, ns, gi.get(), di.get(), o.get());
    } else {
      lact::newtonSchulz(precision, update, b, rows, cols, ns, gi.get(), nullptr, o.get());
    }
  }
  o.commit();
}

JNIEXPORT void JNICALL Java_org_lactspark_kernel_cuda_NativeLact_newtonSchulz(JNIEnv* env, jclass, jint precision, jint update,
    jint b, jint rows, jint cols, jdoubleArray ns, jdoubleArray g, jdoubleArray out) {
  JNI_TRY
  nsCall(env, precision, update, b, rows, cols, ns, g, nullptr, out, false);
  JNI_CATCH()
}

JNIEXPORT void JNICALL Java_org_lactspark_kernel_cuda_NativeLact_newtonSchulzBackward(JNIEnv* env, jclass, jint precision,
    jint update, jint b, jint rows, jint cols, jdoubleArray ns, jdoubleArray g, jdoubleArray dX, jdoubleArray out) {
  JNI_TRY
  nsCall(env, precision, update, b, rows, cols, ns, g, dX, out, true);
  JNI_CATCH()
}

JNIEXPORT jlong JNICALL Java_org_lactspark_kernel_cuda_NativeLact_streamOpen(JNIEnv* env, jclass, jint precision, jint update,
    jintArray jd, jintArray js, jdoubleArray jns, jdoubleArray w0, jdoubleArray w1, jdoubleArray w2) {
  JNI_TRY
  lact::Dims d = dims(env, jd, false);
  lact::Spec s = spec(env, js, jns);
  long long size = (long long) d.n * d.dH * d.dIn;
  In a(env, w0, "w0", size), b(env, w1, "w1", size), c(env, w2, "w2", size);
  auto h = std::make_unique<StreamHandle>();
  h->d = d;
  h->momentum = s.momentum;
  h->stream = lact::openStream(precision, update, d, s, a.get(), b.get(), c.get());
  return reinterpret_cast<jlong>(h.release());
  JNI_CATCH(0)
}

JNIEXPORT void JNICALL Java_org_lactspark_kernel_cuda_NativeLact_streamRead(JNIEnv* env, jclass, jlong sh, jint len,
    jdoubleArray q, jdoubleArray out) {
  JNI_TRY
  StreamHandle* h = handle<StreamHandle>(sh, "stream");
  if (len < 1) throw lact::ArgError("len = " + std::to_string(len) + ": must be >= 1");
  long long tok = (long long) h->d.n * len * h->d.dIn;
  Out o(env, out, "out", tok);
  {
    In qi(env, q, "q", tok);
    h->stream->read(len, qi.get(), o.get());
  }
  o.commit();
  JNI_CATCH()
}

JNIEXPORT void JNICALL Java_org_lactspark_kernel_cuda_NativeLact_streamWrite(JNIEnv* env, jclass, jlong sh, jint len,
    jdoubleArray k, jdoubleArray v, jdoubleArray lr0, jdoubleArray lr1, jdoubleArray lr2, jdoubleArray mom) {
  JNI_TRY
  StreamHandle* h = handle<StreamHandle>(sh, "stream");
  if (len < 1) throw lact::ArgError("len = " + std::to_string(len) + ": must be >= 1");
  long long tok = (long long) h->d.n * len * h->d.dIn, nl = (long long) h->d.n * len;
  In ki(env, k, "k", tok), vi(env, v, "v", tok), a(env, lr0, "lr0", nl), b(env, lr1, "lr1", nl), c(env, lr2, "lr2", nl);
  In m(env, h->momentum ? mom : nullptr, "momentum", nl, !h->momentum);
  h->stream->write(len, ki.get(), vi.get(), a.get(), b.get(), c.get(), m.get());
  JNI_CATCH()
}

JNIEXPORT void JNICALL Java_org_lactspark_kernel_cuda_NativeLact_streamWeights(JNIEnv* env, jclass, jlong sh, jdoubleArray w0,
    jdoubleArray w1, jdoubleArray w2) {
  JNI_TRY
  StreamHandle* h = handle<StreamHandle>(sh, "stream");
  weightsOut(env, h->d, w0, w1, w2, [&](double* a, double* b, double* c) { h->stream->weights(a, b, c); });
  JNI_CATCH()
}

JNIEXPORT void JNICALL Java_org_lactspark_kernel_cuda_NativeLact_freeStream(JNIEnv* env, jclass, jlong sh) {
  JNI_TRY
  if (!sh) return;
  std::lock_guard<std::mutex> g(lact::lock());
  delete reinterpret_cast<StreamHandle*>(sh);
  JNI_CATCH()
}

JNIEXPORT jdoubleArray JNICALL Java_org_lactspark_kernel_cuda_NativeLact_timeOnDevice(JNIEnv* env, jclass, jint precision,
    jint update, jintArray jd, jintArray js, jdoubleArray jns, jdoubleArray w0, jdoubleArray w1, jdoubleArray w2,
    jdoubleArray q, jdoubleArray k, jdoubleArray v, jdoubleArray lr0, jdoubleArray lr1, jdoubleArray lr2, jdoubleArray mom,
    jdoubleArray dOut, jint warmup, jint runs) {
  JNI_TRY
  lact::Dims d = dims(env, jd, true);
  lact::Spec s = spec(env, js, jns);
  std::vector<double> r;
  {
    Inputs in(env, d, s, w0, w1, w2, q, k, v, lr0, lr1, lr2, mom, nullptr);
    In g(env, dOut, "dOut", (long long) d.n * d.L * d.dIn);
    r = lact::timeOnDevice(precision, update, d, s, in.host(), g.get(), warmup, runs);
  }
  jdoubleArray a = env->NewDoubleArray((jsize) r.size());
  if (!a) throw JavaPending();
  env->SetDoubleArrayRegion(a, 0, (jsize) r.size(), r.data());
  return a;
  JNI_CATCH(nullptr)
}

}  // extern "C"
