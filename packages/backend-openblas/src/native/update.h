#pragma once
#include <algorithm>
#include <cstddef>

namespace sftdl {

/** Arguments of `langevinUpdate` (see @sftdl/compute's LangevinUpdateArgs). */
struct UpdateArgs {
  size_t len;
  double* theta;
  double* grad;
  const double* xi;
  double* xiPrev;  // nullptr: Euler–Maruyama
  const double* invVar;
  const double* m;
  const double* sqrt2m;
  double invKappa, eta, noiseScale;
  int maxIsa;  // 2: best available, 1: AVX2 at most, 0: scalar (tests)
};

/**
 * g ← g·invKappa + θ·invVar; θ ← θ − η·m·g + noiseScale·√(2m)·(ξₚ + ξ), ξₚ ← ξ (Leimkuhler–Matthews) or
 * θ ← θ − η·m·g + noiseScale·√(2m)·ξ (Euler, xiPrev null), elementwise, on up to `threads` threads.
 */
void langevinUpdate(const UpdateArgs& args, int threads);

}  // namespace sftdl
