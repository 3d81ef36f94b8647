// The JNI bridge of the native model (model.h) for org.lactspark.kernel.cuda.NativeLact's model*
// methods: the spec and layout arrays are decoded and checked here, every array's length against
// the model (the message names the argument).
#include <jni.h>

#include <memory>
#include <string>
#include <vector>

#include "jni_util.h"
#include "lact_cuda.h"
#include "model.h"

namespace {
using namespace jni;

constexpr int SPEC_INTS = 22;

lact::ModelSpec modelSpec(JNIEnv* env, jintArray ji, jdoubleArray jd, jdoubleArray jns) {
  std::vector<int> i = ints(env, ji, "spec", SPEC_INTS);
  std::vector<double> d = doubles(env, jd, "spec doubles");
  if (d.size() != 3) throw lact::ArgError("spec doubles: " + std::to_string(d.size()) + " values, expected 3");
  lact::ModelSpec s;
  s.vocab = i[0];
  s.d = i[1];
  s.layers = i[2];
  s.attnHeads = i[3];
  s.lactHeads = i[4];
  s.fastHidden = i[5];
  s.window = i[6];
  s.chunk = i[7];
  s.lowRank = i[8];
  s.mlp = i[9];
  s.padId = i[10];
  bool* flags[] = {&s.muon, &s.momentum, &s.qkvSilu, &s.noVSilu, &s.qkNorm, &s.tttScale, &s.prenorm, &s.nope, &s.tied,
      &s.tttEnabled, &s.documentRestart};
  for (int f = 0; f < 11; f++) *flags[f] = i[11 + f] != 0;
  s.ropeTheta = d[0];
  s.normEps = d[1];
  s.lrShift = d[2];
  s.ns = doubles(env, jns, "ns");
  return s;
}

std::vector<long long> longs(JNIEnv* env, jlongArray a, const char* name) {
  if (!a) throw lact::ArgError(std::string(name) + ": missing");
  jsize n = env->GetArrayLength(a);
  std::vector<long long> v(n);
  env->GetLongArrayRegion(a, 0, n, reinterpret_cast<jlong*>(v.data()));
  return v;
}

struct ModelHandle {
  long long size;
  int vocab;
  std::unique_ptr<lact::NativeModel> model;
};

// A Java int[] copied in, length-checked.
std::vector<int> intsOf(JNIEnv* env, jintArray a, const char* name, long long expected) {
  if (!a) throw lact::ArgError(std::string(name) + ": missing");
  jsize n = env->GetArrayLength(a);
  if ((long long) n != expected)
    throw lact::ArgError(std::string(name) + ": " + std::to_string(n) + " values, expected " + std::to_string(expected));
  std::vector<int> v(n);
  env->GetIntArrayRegion(a, 0, n, reinterpret_cast<jint*>(v.data()));
  return v;
}

}  // namespace

extern "C" {

JNIEXPORT jlong JNICALL Java_org_lactspark_kernel_cuda_NativeLact_modelOpen(JNIEnv* env, jclass, jint precision, jint update,
    jintArray ji, jdoubleArray jd, jdoubleArray jns, jlongArray jl) {
  JNI_TRY
  lact::ModelSpec s = modelSpec(env, ji, jd, jns);
  std::vector<long long> l = longs(env, jl, "layout");
  long long expected = 4 + (long long) s.layers * lact::LAYER_TENSORS;
  if ((long long) l.size() != expected)
    throw lact::ArgError("layout: " + std::to_string(l.size()) + " values, expected " + std::to_string(expected));
  lact::ModelLayout layout{l[0], l[1], l[2], l[3], std::vector<long long>(l.begin() + 4, l.end())};
  for (size_t i = 0; i < l.size(); i++)
    if (l[i] >= l[3] && i != 3) throw lact::ArgError("layout: offset " + std::to_string(l[i]) + " at " + std::to_string(i) + " beyond the total");
  auto h = std::make_unique<ModelHandle>();
  h->size = layout.total;
  h->vocab = s.vocab;
  h->model = lact::openModel(precision, update, s, layout);
  return reinterpret_cast<jlong>(h.release());
  JNI_CATCH(0)
}

JNIEXPORT void JNICALL Java_org_lactspark_kernel_cuda_NativeLact_modelSetParams(JNIEnv* env, jclass, jlong mh, jlong offset,
    jfloatArray v) {
  JNI_TRY
  ModelHandle* h = handle<ModelHandle>(mh, "model");
  if (!v) throw lact::ArgError("params: missing");
  jsize n = env->GetArrayLength(v);
  std::vector<float> tmp(n);
  env->GetFloatArrayRegion(v, 0, n, tmp.data());
  h->model->setParams(offset, tmp.data(), n);
  JNI_CATCH()
}

JNIEXPORT void JNICALL Java_org_lactspark_kernel_cuda_NativeLact_modelSetParams64(JNIEnv* env, jclass, jlong mh, jlong offset,
    jdoubleArray v) {
  JNI_TRY
  ModelHandle* h = handle<ModelHandle>(mh, "model");
  std::vector<double> tmp = doubles(env, v, "params");
  h->model->setParams(offset, tmp.data(), (long long) tmp.size());
  JNI_CATCH()
}

JNIEXPORT void JNICALL Java_org_lactspark_kernel_cuda_NativeLact_modelParams(JNIEnv* env, jclass, jlong mh, jfloatArray out) {
  JNI_TRY
  ModelHandle* h = handle<ModelHandle>(mh, "model");
  if (!out || env->GetArrayLength(out) != h->size)
    throw lact::ArgError("params: expected an array of " + std::to_string(h->size) + " values");
  std::vector<float> tmp(h->size);
  h->model->params(tmp.data());
  env->SetFloatArrayRegion(out, 0, (jsize) h->size, tmp.data());
  JNI_CATCH()
}

JNIEXPORT jdoubleArray JNICALL Java_org_lactspark_kernel_cuda_NativeLact_modelStep(JNIEnv* env, jclass, jlong mh, jint b,
    jint len, jintArray ids, jintArray docs, jintArray targets, jboolean grads, jdoubleArray logits) {
  JNI_TRY
  ModelHandle* h = handle<ModelHandle>(mh, "model");
  if (b < 1 || len < 1) throw lact::ArgError("batch = " + std::to_string(b) + ", length = " + std::to_string(len) + ": both must be >= 1");
  long long R = (long long) b * len;
  std::vector<int> i = intsOf(env, ids, "ids", R), d = intsOf(env, docs, "documents", R), t = intsOf(env, targets, "targets", R);
  std::unique_ptr<Out> lo;
  if (logits) lo = std::make_unique<Out>(env, logits, "logits", R * h->vocab);
  lact::LossSum s = h->model->step(b, len, i.data(), d.data(), t.data(), grads, lo ? lo->get() : nullptr);
  if (lo) lo->commit();
  jdoubleArray r = env->NewDoubleArray(2);
  if (!r) throw JavaPending();
  double v[2] = {s.sum, (double) s.scored};
  env->SetDoubleArrayRegion(r, 0, 2, v);
  return r;
  JNI_CATCH(nullptr)
}

JNIEXPORT void JNICALL Java_org_lactspark_kernel_cuda_NativeLact_modelTakeGradient(JNIEnv* env, jclass, jlong mh, jfloatArray out) {
  JNI_TRY
  ModelHandle* h = handle<ModelHandle>(mh, "model");
  if (!out || env->GetArrayLength(out) != h->size)
    throw lact::ArgError("gradient: expected an array of " + std::to_string(h->size) + " values");
  std::vector<float> tmp(h->size);
  h->model->takeGradient(tmp.data());
  env->SetFloatArrayRegion(out, 0, (jsize) h->size, tmp.data());
  JNI_CATCH()
}

JNIEXPORT void JNICALL Java_org_lactspark_kernel_cuda_NativeLact_modelTakeGradient64(JNIEnv* env, jclass, jlong mh,
    jdoubleArray out) {
  JNI_TRY
  ModelHandle* h = handle<ModelHandle>(mh, "model");
  Out o(env, out, "gradient", h->size);
  h->model->takeGradient(o.get());
  o.commit();
  JNI_CATCH()
}

JNIEXPORT jdoubleArray JNICALL Java_org_lactspark_kernel_cuda_NativeLact_modelMemory(JNIEnv* env, jclass, jlong mh) {
  JNI_TRY
  ModelHandle* h = handle<ModelHandle>(mh, "model");
  std::vector<double> m = h->model->memory();
  jdoubleArray r = env->NewDoubleArray((jsize) m.size());
  if (!r) throw JavaPending();
  env->SetDoubleArrayRegion(r, 0, (jsize) m.size(), m.data());
  return r;
  JNI_CATCH(nullptr)
}

JNIEXPORT jdoubleArray JNICALL Java_org_lactspark_kernel_cuda_NativeLact_modelOptimizerStep(JNIEnv* env, jclass, jlong mh,
    jdoubleArray args) {
  JNI_TRY
  ModelHandle* h = handle<ModelHandle>(mh, "model");
  std::vector<double> a = doubles(env, args, "optimizer arguments");
  if (a.size() != 7) throw lact::ArgError("optimizer arguments: " + std::to_string(a.size()) + " values, expected 7");
  std::vector<double> r = h->model->optimizerStep(a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
  jdoubleArray out = env->NewDoubleArray((jsize) r.size());
  if (!out) throw JavaPending();
  env->SetDoubleArrayRegion(out, 0, (jsize) r.size(), r.data());
  return out;
  JNI_CATCH(nullptr)
}

JNIEXPORT void JNICALL Java_org_lactspark_kernel_cuda_NativeLact_modelSetMoments(JNIEnv* env, jclass, jlong mh, jlong offset,
    jfloatArray m, jfloatArray v, jlong steps) {
  JNI_TRY
  ModelHandle* h = handle<ModelHandle>(mh, "model");
  if (!m || !v) throw lact::ArgError("moments: missing");
  jsize n = env->GetArrayLength(m);
  if (env->GetArrayLength(v) != n)
    throw lact::ArgError("moments: " + std::to_string(n) + " first and " + std::to_string(env->GetArrayLength(v)) + " second");
  std::vector<float> a(n), b(n);
  env->GetFloatArrayRegion(m, 0, n, a.data());
  env->GetFloatArrayRegion(v, 0, n, b.data());
  h->model->setMoments(offset, a.data(), b.data(), n, steps);
  JNI_CATCH()
}

JNIEXPORT jlong JNICALL Java_org_lactspark_kernel_cuda_NativeLact_modelMoments(JNIEnv* env, jclass, jlong mh, jfloatArray m,
    jfloatArray v) {
  JNI_TRY
  ModelHandle* h = handle<ModelHandle>(mh, "model");
  if (!m || !v || env->GetArrayLength(m) != h->size || env->GetArrayLength(v) != h->size)
    throw lact::ArgError("moments: expected two arrays of " + std::to_string(h->size) + " values");
  std::vector<float> a(h->size), b(h->size);
  long long steps = h->model->moments(a.data(), b.data());
  env->SetFloatArrayRegion(m, 0, (jsize) h->size, a.data());
  env->SetFloatArrayRegion(v, 0, (jsize) h->size, b.data());
  return (jlong) steps;
  JNI_CATCH(0)
}

JNIEXPORT void JNICALL Java_org_lactspark_kernel_cuda_NativeLact_modelDecayRanges(JNIEnv* env, jclass, jlong mh, jlongArray r) {
  JNI_TRY
  ModelHandle* h = handle<ModelHandle>(mh, "model");
  h->model->setDecayRanges(longs(env, r, "decay ranges"));
  JNI_CATCH()
}

JNIEXPORT void JNICALL Java_org_lactspark_kernel_cuda_NativeLact_modelFree(JNIEnv* env, jclass, jlong mh) {
  JNI_TRY
  delete reinterpret_cast<ModelHandle*>(mh);
  JNI_CATCH()
}

JNIEXPORT void JNICALL Java_org_lactspark_kernel_cuda_NativeLact_layerCheck(JNIEnv* env, jclass, jint precision, jint update,
    jintArray ji, jdoubleArray jd, jdoubleArray jns, jlongArray jo, jdoubleArray params, jint b, jint len, jdoubleArray x,
    jdoubleArray dy, jdoubleArray y, jdoubleArray dx, jdoubleArray grads) {
  JNI_TRY
  lact::ModelSpec s = modelSpec(env, ji, jd, jns);
  std::vector<long long> o = longs(env, jo, "offsets");
  if (o.size() != lact::LAYER_TENSORS) throw lact::ArgError("offsets: expected " + std::to_string(lact::LAYER_TENSORS) + " values");
  if (!params) throw lact::ArgError("params: missing");
  long long n = env->GetArrayLength(params);
  if (b < 1 || len < 1) throw lact::ArgError("batch and length must be >= 1");
  long long tok = (long long) b * len * s.d;
  In p(env, params, "params", n), xi(env, x, "x", tok), dyi(env, dy, "dy", tok);
  Out yo(env, y, "y", tok), dxo(env, dx, "dx", tok), go(env, grads, "grads", n);
  lact::layerCheck(precision, update, s, o.data(), n, p.get(), b, len, xi.get(), dyi.get(), yo.get(), dxo.get(), go.get());
  yo.commit();
  dxo.commit();
  go.commit();
  JNI_CATCH()
}

}  // extern "C"
