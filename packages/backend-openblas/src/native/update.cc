// Fused Langevin update of one chain with a diagonal preconditioner (see update.h). Floating-point contraction is
// off and every lane runs the scalar definition's multiply/add sequence, so the AVX-512, AVX2 and scalar builds of
// the loop, and @sftdl/training's TypeScript `langevinUpdateInto`, give bit-identical float64 results. Elementwise:
// large buffers are split over the addon's worker pool without changing any value.
#pragma GCC optimize("fp-contract=off")
#include "update.h"

#include "fastgemm.h"

namespace sftdl {
namespace {

// The definition (the compiler vectorises it per target; no reduction, so lane order cannot matter).
#define SFTDL_UPDATE_BODY                                                                                          \
  for (size_t i = lo; i < hi; i++) {                                                                             \
    const double t = u.theta[i];                                                                                 \
    const double g = u.grad[i] * u.invKappa + t * u.invVar[i];                                                   \
    u.grad[i] = g;                                                                                               \
    const double z = u.xi[i];                                                                                    \
    const double noise = u.xiPrev ? u.xiPrev[i] + z : z;                                                         \
    u.theta[i] = t - u.eta * u.m[i] * g + u.noiseScale * u.sqrt2m[i] * noise;                                    \
    if (u.xiPrev) u.xiPrev[i] = z;                                                                               \
  }

void updateScalar(const UpdateArgs& u, size_t lo, size_t hi) { SFTDL_UPDATE_BODY }

#if defined(__x86_64__)
__attribute__((target("avx512f"), noinline)) void updateAvx512(const UpdateArgs& u, size_t lo, size_t hi) { SFTDL_UPDATE_BODY }
__attribute__((target("avx2"), noinline)) void updateAvx2(const UpdateArgs& u, size_t lo, size_t hi) { SFTDL_UPDATE_BODY }
#endif

void updateRange(const UpdateArgs& u, size_t lo, size_t hi) {
#if defined(__x86_64__)
  if (u.maxIsa >= 2 && fast::avx512Usable()) { updateAvx512(u, lo, hi); return; }
  if (u.maxIsa >= 1 && __builtin_cpu_supports("avx2")) { updateAvx2(u, lo, hi); return; }
#endif
  updateScalar(u, lo, hi);
}

}  // namespace

void langevinUpdate(const UpdateArgs& u, int threads) {
  // below ~256 Ki elements one core streams the arrays faster than a hand-off to the pool pays
  const size_t perThread = 1 << 18;
  const size_t nt = threads <= 1 || u.len < 2 * perThread ? 1 : std::min<size_t>(static_cast<size_t>(threads), u.len / perThread);
  if (nt <= 1) { updateRange(u, 0, u.len); return; }
  fast::parallel(static_cast<int>(nt), [&](int w, int tf) {
    const size_t lo = u.len * static_cast<size_t>(w) / static_cast<size_t>(tf);
    const size_t hi = u.len * static_cast<size_t>(w + 1) / static_cast<size_t>(tf);
    updateRange(u, lo, hi);
  });
}

}  // namespace sftdl
