// What every JNI bridge file of liblactcuda shares: turning C++ exceptions into Java ones, and
// length-checked access to Java arrays (the message names the argument).
#pragma once
#include <jni.h>

#include <new>
#include <string>
#include <vector>

#include "runtime.h"

namespace jni {

constexpr const char* CUDA_EXCEPTION = "org/lactspark/kernel/cuda/CudaException";

// A Java exception is already pending (a JNI call failed): unwind to the entry point.
struct JavaPending {};

inline void throwJava(JNIEnv* env, const char* cls, const std::string& msg) {
  if (env->ExceptionCheck()) return;
  jclass c = env->FindClass(cls);
  if (c) env->ThrowNew(c, msg.c_str());
}

#define JNI_TRY try {
#define JNI_CATCH(ret)                                                                   \
  }                                                                                      \
  catch (const JavaPending&) {                                                           \
  }                                                                                      \
  catch (const lact::ArgError& e) {                                                      \
    throwJava(env, "java/lang/IllegalArgumentException", e.what());                     \
  }                                                                                      \
  catch (const lact::Error& e) {                                                         \
    throwJava(env, CUDA_EXCEPTION, e.what());                                            \
  }                                                                                      \
  catch (const std::bad_alloc&) {                                                        \
    throwJava(env, "java/lang/OutOfMemoryError", "liblactcuda: host memory exhausted"); \
  }                                                                                      \
  catch (const std::exception& e) {                                                      \
    throwJava(env, CUDA_EXCEPTION, std::string("liblactcuda: ") + e.what());             \
  }                                                                                      \
  return ret;

// A Java double[] read in place (or a copy, as the VM chooses), released without write-back.
class In {
 public:
  In(JNIEnv* env, jdoubleArray a, const char* name, long long expected, bool nullable = false) : env_(env), a_(a) {
    if (!a) {
      if (nullable) return;
      throw lact::ArgError(std::string(name) + ": missing");
    }
    jsize n = env->GetArrayLength(a);
    if ((long long) n != expected)
      throw lact::ArgError(std::string(name) + ": " + std::to_string(n) + " values, expected " + std::to_string(expected));
    p_ = env->GetDoubleArrayElements(a, nullptr);
    if (!p_) throw JavaPending();
  }
  ~In() {
    if (p_) env_->ReleaseDoubleArrayElements(a_, p_, JNI_ABORT);
  }
  In(const In&) = delete;
  In& operator=(const In&) = delete;
  const double* get() const { return p_; }

 private:
  JNIEnv* env_;
  jdoubleArray a_;
  double* p_ = nullptr;
};

// A Java double[] to fill: checked up front, written once the result exists.
class Out {
 public:
  Out(JNIEnv* env, jdoubleArray a, const char* name, long long expected) : env_(env), a_(a) {
    if (!a) throw lact::ArgError(std::string(name) + ": missing");
    jsize n = env->GetArrayLength(a);
    if ((long long) n != expected)
      throw lact::ArgError(std::string(name) + ": " + std::to_string(n) + " values, expected " + std::to_string(expected));
    v_.resize(expected);
  }
  double* get() { return v_.data(); }
  void commit() {
    env_->SetDoubleArrayRegion(a_, 0, (jsize) v_.size(), v_.data());
    if (env_->ExceptionCheck()) throw JavaPending();
  }

 private:
  JNIEnv* env_;
  jdoubleArray a_;
  std::vector<double> v_;
};

inline std::vector<int> ints(JNIEnv* env, jintArray a, const char* name, jsize expected) {
  if (!a || env->GetArrayLength(a) != expected)
    throw lact::ArgError(std::string(name) + ": expected " + std::to_string(expected) + " values");
  std::vector<int> v(expected);
  env->GetIntArrayRegion(a, 0, expected, reinterpret_cast<jint*>(v.data()));
  return v;
}

inline std::vector<double> doubles(JNIEnv* env, jdoubleArray a, const char* name) {
  if (!a) throw lact::ArgError(std::string(name) + ": missing");
  jsize n = env->GetArrayLength(a);
  std::vector<double> v(n);
  env->GetDoubleArrayRegion(a, 0, n, v.data());
  return v;
}

template <class H>
H* handle(jlong h, const char* what) {
  if (!h) throw lact::ArgError(std::string(what) + ": null handle (already freed?)");
  return reinterpret_cast<H*>(h);
}

}  // namespace jni
