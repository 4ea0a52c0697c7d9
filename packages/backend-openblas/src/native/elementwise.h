#pragma once
#include <cstddef>

namespace sftdl {

/** Activation codes of `activate` (same order as @sftdl/compute's ACTIVATION_NAMES). */
constexpr int kActLinear = 0, kActErf = 1, kActRelu = 2, kActTanh = 3, kActSquare = 4;

/**
 * phi(h[i]) -> phi[i], phi'(h[i]) -> dphi[i] for i < len, on up to `threads` threads. `table` is the fast-erf
 * table (769 rows of 7 doubles); only read for kActErf. `maxIsa` caps the instruction set (2: the best this CPU
 * has, 1: at most AVX2, 0: scalar), so tests can check every path on one machine; all give the same values.
 */
void activate(int kind, const double* h, double* phi, double* dphi, size_t len, int threads, const double* table,
              int maxIsa = 2);

/** The instruction set `activate` dispatches to on this CPU: "avx512", "avx2" or "scalar". */
const char* activateIsa();

}  // namespace sftdl
