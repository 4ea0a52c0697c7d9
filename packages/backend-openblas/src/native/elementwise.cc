// Fused elementwise activation kernels for the Langevin sampler: phi(h) and phi'(h) over a buffer in one pass,
// split over std::threads for large buffers. erf uses the caller's fast-erf table (the one @sftdl/compute builds:
// rows of 7 doubles erf(x0), c0..c5 at x0 = i/128), evaluated with the same arithmetic as compute's TypeScript
// activateInto; floating-point contraction is off so no FMA changes the rounding.
#pragma GCC optimize("fp-contract=off")
#include "elementwise.h"

#include <cmath>
#include <thread>
#include <vector>

namespace sftdl {
namespace {

constexpr double kTwoOverSqrtPi = 1.1283791670955126;
constexpr int kErfStep = 128;
constexpr double kErfMax = 6;

void erfRange(const double* h, double* phi, double* dphi, size_t lo, size_t hi, const double* t) {
  for (size_t i = lo; i < hi; i++) {
    const double v = h[i];
    const double ax = std::fabs(v);  // branch-free sign handling: random signs would mispredict
    if (ax >= kErfMax) { phi[i] = std::copysign(1.0, v); dphi[i] = kTwoOverSqrtPi * std::exp(-v * v); continue; }
    const int j = static_cast<int>(ax * kErfStep + 0.5);
    const double e = ax - j * (1.0 / kErfStep);
    const double* r = t + 7 * j;
    const double c1 = r[1], c2 = r[2], c3 = r[3], c4 = r[4], c5 = r[5], c6 = r[6];
    const double val = r[0] + e * (c1 + e * (c2 + e * (c3 + e * (c4 + e * (c5 + e * c6)))));
    phi[i] = std::copysign(val, v);
    dphi[i] = c1 + e * (2 * c2 + e * (3 * c3 + e * (4 * c4 + e * (5 * c5 + e * 6 * c6))));
  }
}

void range(int kind, const double* h, double* phi, double* dphi, size_t lo, size_t hi, const double* t) {
  switch (kind) {
    case kActLinear: for (size_t i = lo; i < hi; i++) { phi[i] = h[i]; dphi[i] = 1; } break;
    case kActErf: erfRange(h, phi, dphi, lo, hi, t); break;
    case kActRelu: for (size_t i = lo; i < hi; i++) { const double v = h[i]; phi[i] = v > 0 ? v : 0; dphi[i] = v > 0 ? 1 : 0; } break;
    case kActTanh: for (size_t i = lo; i < hi; i++) { const double x = std::tanh(h[i]); phi[i] = x; dphi[i] = 1 - x * x; } break;
    case kActSquare: for (size_t i = lo; i < hi; i++) { const double v = h[i]; phi[i] = v * v; dphi[i] = 2 * v; } break;
    default: break;
  }
}

}  // namespace

void activate(int kind, const double* h, double* phi, double* dphi, size_t len, int threads, const double* table) {
  // below ~64k entries a thread start costs more than it saves
  const size_t minPerThread = 32768;
  size_t nt = threads < 1 ? 1 : static_cast<size_t>(threads);
  if (nt > len / minPerThread) nt = len / minPerThread;
  if (nt <= 1) { range(kind, h, phi, dphi, 0, len, table); return; }
  std::vector<std::thread> pool;
  const size_t chunk = (len + nt - 1) / nt;
  for (size_t k = 1; k < nt; k++) {
    const size_t lo = k * chunk, hi = lo + chunk < len ? lo + chunk : len;
    if (lo < hi) pool.emplace_back(range, kind, h, phi, dphi, lo, hi, table);
  }
  range(kind, h, phi, dphi, 0, chunk < len ? chunk : len, table);
  for (auto& th : pool) th.join();
}

}  // namespace sftdl
