// Per-section GPU time of the native model's steps, for finding where a step's time goes: with the
// environment variable LACT_CUDA_PROFILE=1, a CUDA event marks where each section starts on the
// stream (a section runs until the next starts), and the sums per section name are printed to
// stderr after each step. Nothing is recorded otherwise.
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "runtime.h"

namespace lact {

class Profile {
 public:
  static Profile& get() {
    static Profile p;
    return p;
  }
  bool on() const { return on_; }
  // The phase prepended to section names ("fwd", "recompute", "bwd").
  void phase(const char* p) {
    close();
    phase_ = p;
  }
  // Ends the section in progress (if any) and starts `name` at this point of the stream.
  void at(const char* name) {
    if (!on_) return;
    close();
    cudaEvent_t e;
    LACT_CK(cudaEventCreate(&e));
    LACT_CK(cudaEventRecord(e, rt().stream));
    open_ = {phase_ + "." + name, e, nullptr};
    opened_ = true;
  }
  // Sums the recorded sections (synchronising the stream) and prints them, largest first.
  void report(const char* what) {
    if (!on_) return;
    close();
    if (marks_.empty()) return;
    LACT_CK(cudaStreamSynchronize(rt().stream));
    std::map<std::string, double> sum;
    double total = 0;
    for (const Mark& m : marks_) {
      float ms = 0;
      LACT_CK(cudaEventElapsedTime(&ms, m.a, m.b));
      sum[m.name] += ms;
      total += ms;
      cudaEventDestroy(m.a);
      cudaEventDestroy(m.b);
    }
    marks_.clear();
    std::vector<std::pair<double, std::string>> v;
    for (auto& e : sum) v.push_back({e.second, e.first});
    std::sort(v.rbegin(), v.rend());
    std::fprintf(stderr, "lact-profile %s: %.1f ms in sections\n", what, total);
    for (auto& e : v) std::fprintf(stderr, "lact-profile   %-28s %9.2f ms %5.1f%%\n", e.second.c_str(), e.first, 100 * e.first / total);
  }

 private:
  Profile() {
    const char* e = std::getenv("LACT_CUDA_PROFILE");
    on_ = e && std::string(e) == "1";
  }
  struct Mark {
    std::string name;
    cudaEvent_t a, b;
  };
  void close() {
    if (!opened_) return;
    LACT_CK(cudaEventCreate(&open_.b));
    LACT_CK(cudaEventRecord(open_.b, rt().stream));
    marks_.push_back(open_);
    opened_ = false;
  }
  bool on_;
  bool opened_ = false;
  Mark open_;
  std::string phase_ = "step";
  std::vector<Mark> marks_;
};

// Starts section `name` of the current phase (ending the one in progress) when profiling is on.
inline void prof(const char* name) { Profile::get().at(name); }

}  // namespace lact
