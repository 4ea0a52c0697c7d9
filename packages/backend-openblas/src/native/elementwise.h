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

namespace sftdl {

/** Arguments of `readout` (see @sftdl/compute's ReadoutArgs; pointers already offset to this network's block). */
struct ReadoutArgs {
  size_t n, width, outputs, stride;
  const double* phi;   // [n, stride], this network's `width` columns first
  const double* dphi;  // same layout
  const double* a;     // [width, outputs]
  const double* y;     // [n, outputs]
  double* pred;        // [n, outputs] out
  double* res;         // [n, outputs] out: pred − y
  double* grad;        // [width, outputs] out: φᵀ res (overwritten)
  double* delta;       // [n, stride] out: (res·aᵀ) ⊙ φ′ in this network's columns
  int maxIsa;          // 2: best available; below 2 the portable loops (tests)
  int threads = 1;     // threads for the row parts of the AVX-512 path (values do not depend on it)
  // fused activation: when h is set, φ and φ′ are computed from h (same layout as phi) row by row with
  // `activate`'s kernels (activation `kind`, fast-erf `table`); phi and dphi are then not used. On the AVX-512 path
  // erf is evaluated inside the readout's sweep over the row (the same arithmetic, so the same values)
  const double* h = nullptr;
  int kind = 0;
  const double* table = nullptr;
  // float32 buffers (the fused two-layer step of a float32 backend): when h32 is set, φ and φ′ are computed from
  // h32 (widened to float64, exact) as from h; when delta32 is set, the signal is rounded to float32 (nearest) and
  // written there instead of delta. Same layout and stride as h and delta.
  const float* h32 = nullptr;
  float* delta32 = nullptr;
};

/**
 * Fused readout of a two-layer network f = φ·a for one chain: predictions, residuals, ½Σres² (returned), the
 * readout gradient φᵀres and the hidden-layer signal (res·aᵀ) ⊙ φ′. One output runs an AVX-512 kernel where the
 * CPU has one (FMA dot products, rows split in parts by n alone that run on up to `threads` threads and are summed
 * in a fixed order: values differ from the portable loops by rounding only, and depend on nothing but the inputs,
 * not on the thread count); other cases run the portable loops.
 */
double readout(const ReadoutArgs& args);

}  // namespace sftdl
