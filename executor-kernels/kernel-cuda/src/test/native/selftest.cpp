// Native self-test of liblactcuda's C++ API, without Java: every fixtures/lact-op case in float64,
// float32 and bf16 (forward output and every gradient against the golden values), then device
// timings at the shapes. For developing the library on the GPU host; the Java conformance
// suite is the real check. Build and run: executor-kernels/kernel-cuda/gpu/native-selftest.sh
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "lact_cuda.h"

static std::vector<double> npy(const std::string& path, bool* found = nullptr) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    if (found) { *found = false; return {}; }
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    std::exit(2);
  }
  if (found) *found = true;
  char magic[8];
  f.read(magic, 8);
  unsigned short hl = 0;
  f.read((char*) &hl, 2);
  std::string h(hl, ' ');
  f.read(&h[0], hl);
  size_t a = h.find('(') + 1, b = h.find(')');
  std::stringstream ss(h.substr(a, b - a));
  std::string tok;
  long n = 1;
  while (std::getline(ss, tok, ','))
    if (tok.find_first_not_of(' ') != std::string::npos) n *= std::stol(tok);
  std::vector<double> v(n);
  f.read((char*) v.data(), n * 8);
  return v;
}
static std::string slurp(const std::string& p) { std::ifstream f(p); std::stringstream s; s << f.rdbuf(); return s.str(); }
static long jint(const std::string& j, const std::string& k) { size_t p = j.find("\"" + k + "\""); return std::stol(j.substr(j.find(':', p) + 1)); }
static bool jbool(const std::string& j, const std::string& k) {
  size_t p = j.find("\"" + k + "\"");
  size_t c = j.find(':', p) + 1;
  return j.compare(c, 5, " true") == 0 || j.compare(c, 4, "true") == 0;
}
static double relErr(const std::vector<double>& a, const std::vector<double>& b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); i++) {
    if (!std::isfinite(a[i])) return INFINITY;
    num += (a[i] - b[i]) * (a[i] - b[i]);
    den += b[i] * b[i];
  }
  return den == 0 ? std::sqrt(num) : std::sqrt(num / den);
}
static const std::vector<double> NS5 = {4.0848, -6.8946, 2.9270, 3.9505, -6.3029, 2.6377, 3.7418, -5.5913, 2.3037,
    2.8769, -3.1427, 1.2046, 2.8366, -3.0525, 1.2012};
static const char* PREC[] = {"float64", "float32", "bf16"};

static int bad = 0;
static void verdict(const std::string& name, int prec, const std::string& tensor, double err, double tol) {
  bool ok = err <= tol;
  bad += !ok;
  std::printf("  %-32s %-8s %-14s %.3e %s\n", name.c_str(), PREC[prec], tensor.c_str(), err, ok ? "ok" : "FAIL");
}

static void opCase(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  std::string j = slurp(dir + "/case.json");
  std::string name = dir.substr(dir.rfind('/') + 1);
  if (j.find("newton_schulz5") != std::string::npos) {
    std::vector<double> g = npy(dir + "/G.npy"), x = npy(dir + "/X.npy"), dx = npy(dir + "/dX.npy"), gg = npy(dir + "/grad_G.npy");
    size_t a = j.find('[') + 1;
    std::stringstream ss(j.substr(a, j.find(']') - a));
    std::string t;
    std::vector<int> sh;
    while (std::getline(ss, t, ',')) sh.push_back(std::stoi(t));
    for (int p = 0; p < 3; p++) {
      std::vector<double> out(g.size()), og(g.size());
      lact::newtonSchulz(p, lact::UPD_BF16, sh[0], sh[1], sh[2], NS5, g.data(), nullptr, out.data());
      lact::newtonSchulz(p, lact::UPD_BF16, sh[0], sh[1], sh[2], NS5, g.data(), dx.data(), og.data());
      double tol = p == 0 ? 1e-9 : p == 1 ? 1e-4 : 5e-2;
      verdict(name, p, "X", relErr(out, x), tol);
      verdict(name, p, "grad_G", relErr(og, gg), tol);
    }
    return;
  }
  lact::Dims d{(int) jint(j, "n"), (int) jint(j, "d_in"), (int) jint(j, "d_h"), (int) jint(j, "seq_len")};
  lact::Spec s{0, j.find("\"prenorm\"") != std::string::npos ? 1 : 0, (int) jint(j, "chunk_size"), jbool(j, "use_muon"),
      jbool(j, "use_momentum"), false, NS5};
  std::vector<std::vector<double>> in;
  const char* names[] = {"w0", "w1", "w2", "q", "k", "v", "lr0", "lr1", "lr2", "momentum"};
  for (int i = 0; i < 10; i++) {
    bool found = true;
    in.push_back(npy(dir + "/" + names[i] + ".npy", &found));
  }
  lact::HostInputs hi{in[0].data(), in[1].data(), in[2].data(), in[3].data(), in[4].data(), in[5].data(), in[6].data(),
      in[7].data(), in[8].data(), s.momentum ? in[9].data() : nullptr, nullptr};
  std::vector<double> o = npy(dir + "/O.npy"), dO = npy(dir + "/dO.npy");
  std::string bj = slurp(dir + "/official_bf16_error.json");
  for (int p = 0; p < 3; p++) {
    std::vector<double> out(o.size());
    auto pass = lact::forward(p, lact::UPD_BF16, d, s, hi, out.data());
    auto bfTol = [&](const std::string& t) {
      size_t q = bj.find("\"" + t + "\"");
      double off = q == std::string::npos ? 0 : std::stod(bj.substr(bj.find(':', q) + 1));
      return std::max(2e-2, 2 * off);
    };
    auto tol = [&](const std::string& t) { return p == 0 ? 1e-9 : p == 1 ? 1e-4 : bfTol(t); };
    verdict(name, p, "O", relErr(out, o), tol("O"));
    std::vector<std::vector<double>> g(10);
    double* ptr[10];
    for (int i = 0; i < 10; i++) {
      g[i].assign(in[i].size(), 0.0);
      ptr[i] = in[i].empty() ? nullptr : g[i].data();
    }
    if (!s.momentum) ptr[9] = nullptr;
    pass->backward(dO.data(), ptr);
    for (int i = 0; i < 10; i++) {
      if (i == 9 && !s.momentum) continue;
      std::string t = std::string("grad_") + names[i];
      verdict(name, p, t, relErr(g[i], npy(dir + "/" + t + ".npy")), tol(t));
    }
  }
}

static int g_warmup = 2, g_runs = 5;
static void bench(const char* label, int prec, int upd, int n, int dim, int L, int C, bool muon, bool mom) {
  lact::Dims d{n, dim, dim, L};
  lact::Spec s{0, 0, C, muon, mom, false, NS5};
  unsigned long long st = 12345;
  auto rnd = [&] { st = st * 6364136223846793005ull + 1442695040888963407ull; return ((st >> 11) * (1.0 / 9007199254740992.0)) - 0.5; };
  auto vec = [&](long cnt, double scale, double shift) { std::vector<double> x(cnt); for (auto& e : x) e = shift + scale * rnd(); return x; };
  long ws = (long) n * dim * dim, tok = (long) n * L * dim;
  auto w0 = vec(ws, 2 / std::sqrt((double) dim), 0), w1 = vec(ws, 2 / std::sqrt((double) dim), 0), w2 = vec(ws, 2 / std::sqrt((double) dim), 0);
  auto q = vec(tok, 0.2, 0), k = vec(tok, 0.2, 0), v = vec(tok, 0.2, 0), dO = vec(tok, 1, 0);
  auto l0 = vec((long) n * L, 1e-3, 1e-3), l1 = vec((long) n * L, 1e-3, 1e-3), l2 = vec((long) n * L, 1e-3, 1e-3), m = vec((long) n * L, 0.5, 0.5);
  lact::HostInputs hi{w0.data(), w1.data(), w2.data(), q.data(), k.data(), v.data(), l0.data(), l1.data(), l2.data(), m.data(), nullptr};
  std::vector<double> r = lact::timeOnDevice(prec, upd, d, s, hi, dO.data(), g_warmup, g_runs);
  double flops = 6.0 * 3 * dim * dim * (double) L * n + (muon ? 3.0 * 30 * n * std::pow(dim, 3) * (L / C - 1) : 0);
  std::printf("bench %-22s n=%d d=%d L=%d C=%d muon=%d mom=%d: forward %.2f ms, forward+backward %.2f ms (%.1f TFLOP/s), peak %.0f MiB, saved %.0f MiB\n",
      label, n, dim, L, C, muon, mom, r[0], r[1], 3 * flops / r[1] / 1e9, r[2] / 1048576.0, r[3] / 1048576.0);
  std::fflush(stdout);
}

int main(int argc, char** argv) {
  std::printf("%s\n", lact::initDevice(0).c_str());
  bool doBench = false;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--bench") { doBench = true; continue; }
    if (a == "--once" && i + 5 < argc) {  // --once PRECISION UPDATE MUON MOMENTUM DIM: one untimed-warmup-free run (profiling)
      g_warmup = 0;
      g_runs = 1;
      bench("once", std::stoi(argv[i + 1]), std::stoi(argv[i + 2]), 4, std::stoi(argv[i + 5]), 32768, 2048, argv[i + 3][0] == '1',
          argv[i + 4][0] == '1');
      return 0;
    }
    opCase(a);
  }
  std::printf("fixtures: %d failing checks; allocated after: %lld bytes\n", bad, lact::allocated());
  if (doBench) {
    bench("bf16", 2, 0, 4, 384, 32768, 2048, true, true);
    bench("bf16 recompute NS", 2, 16, 4, 384, 32768, 2048, true, true);
    bench("bf16 update tf32", 2, 1, 4, 384, 32768, 2048, true, true);
    bench("bf16 update fp32", 2, 2, 4, 384, 32768, 2048, true, true);
    bench("float32", 1, 0, 4, 384, 32768, 2048, true, true);
    bench("bf16", 2, 0, 4, 384, 32768, 2048, false, false);
    bench("bf16", 2, 0, 4, 768, 32768, 2048, true, true);
  }
  return bad ? 1 : 0;
}
