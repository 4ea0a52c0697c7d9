// Fused elementwise activation kernels for the Langevin sampler: phi(h) and phi'(h) over a buffer in one pass.
//
// erf uses the caller's fast-erf table (the one @sftdl/compute builds: rows of 7 doubles erf(x0), c0..c5 at
// x0 = i/128) and evaluates it with exactly the arithmetic of compute's TypeScript activateInto, so native and
// portable results are bit-identical. Floating-point contraction is off (no FMA may change the rounding), and
// the vector paths use the same multiply/add sequence per lane: AVX-512 (8 lanes, table rows fetched with
// gathers) or AVX2 (4 lanes), chosen at run time with __builtin_cpu_supports; the scalar loop is the portable
// fallback (and handles the tails). Only the kernels carry target attributes, so a baseline x86-64 build runs
// anywhere and non-x86 builds compile the scalar path only.
//
// Large buffers are split over the addon's persistent worker pool; the work is elementwise, so the results do
// not depend on the thread count.
#pragma GCC optimize("fp-contract=off")
#include "elementwise.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "fastgemm.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define SFTDL_EW_X86 1
// GCC 12 warns about the deliberately undefined lanes inside its own intrinsics headers (a known false positive)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace sftdl {
namespace {

constexpr double kTwoOverSqrtPi = 1.1283791670955126;
constexpr int kErfStep = 128;
constexpr double kErfMax = 6;

// One entry of the fast erf (scalar; the reference every vector path reproduces bit for bit).
inline void erfOne(double v, double* phi, double* dphi, const double* t) {
  const double ax = std::fabs(v);
  if (ax >= kErfMax) { *phi = v < 0 ? -1.0 : 1.0; *dphi = kTwoOverSqrtPi * std::exp(-v * v); return; }
  if (ax != ax) { *phi = *dphi = v; return; }  // NaN (the caller's contract excludes it; never index with it)
  const int j = static_cast<int>(ax * kErfStep + 0.5);
  const double e = ax - j * (1.0 / kErfStep);
  const double* r = t + 7 * j;
  const double c1 = r[1], c2 = r[2], c3 = r[3], c4 = r[4], c5 = r[5], c6 = r[6];
  const double val = r[0] + e * (c1 + e * (c2 + e * (c3 + e * (c4 + e * (c5 + e * c6)))));
  *phi = v < 0 ? -val : val;  // as compute's loop: erf(−0) = +0
  *dphi = c1 + e * (2 * c2 + e * (3 * c3 + e * (4 * c4 + e * (5 * c5 + e * 6 * c6))));
}

void erfScalar(const double* h, double* phi, double* dphi, size_t lo, size_t hi, const double* t) {
  for (size_t i = lo; i < hi; i++) erfOne(h[i], phi + i, dphi + i, t);
}

void otherScalar(int kind, const double* h, double* phi, double* dphi, size_t lo, size_t hi) {
  switch (kind) {
    case kActLinear: for (size_t i = lo; i < hi; i++) { phi[i] = h[i]; dphi[i] = 1; } break;
    case kActRelu: for (size_t i = lo; i < hi; i++) { const double v = h[i]; phi[i] = v > 0 ? v : 0; dphi[i] = v > 0 ? 1 : 0; } break;
    case kActTanh: for (size_t i = lo; i < hi; i++) { const double x = std::tanh(h[i]); phi[i] = x; dphi[i] = 1 - x * x; } break;
    case kActSquare: for (size_t i = lo; i < hi; i++) { const double v = h[i]; phi[i] = v * v; dphi[i] = 2 * v; } break;
    default: break;
  }
}

#ifdef SFTDL_EW_X86
// No "fma" in the targets: the kernels must round exactly like the scalar definition.
#define SFTDL_EW_AVX512 __attribute__((target("avx512f,avx512dq"), noinline))
#define SFTDL_EW_AVX2 __attribute__((target("avx2"), noinline))

// The fast-erf table's layouts erfLanes reads: the caller's rows (7 doubles each: 32-bit offsets 7j), or their column
// copy (column k = entry k of every row, kErfRows apart; see erfColumns), gathered with the row index j itself in
// 64-bit lanes, which saves the offset multiply and two conversion uops. The values read are the same.
enum class ErfLayout { Rows, Columns };
constexpr size_t kErfRows = 6 * kErfStep + 1;

/**
 * φ, φ′ of 8 lanes (the arithmetic of erfOne, lane for lane). Lanes with |v| ≥ 6 (and ±Inf) are not final: the
 * returned mask names them and the caller redoes them with erfOne; min() also maps NaN to 6 (a valid row), so a NaN
 * input cannot index outside the table (it propagates through e as in the scalar path).
 */
template <ErfLayout L>
__attribute__((target("avx512f,avx512dq"), always_inline)) inline __mmask8 erfLanes(__m512d v, const double* t, __m512d& phi,
                                                                                    __m512d& dphi) {
  const __m512d sign = _mm512_set1_pd(-0.0), emax = _mm512_set1_pd(kErfMax);
  const __m512d ax = _mm512_andnot_pd(sign, v);
  const __mmask8 big = _mm512_cmp_pd_mask(ax, emax, _CMP_GE_OQ);
  const __m512d x = _mm512_add_pd(_mm512_mul_pd(_mm512_min_pd(ax, emax), _mm512_set1_pd(kErfStep)), _mm512_set1_pd(0.5));
  __m512d jd, r0, c1, c2, c3, c4, c5, c6;
  if constexpr (L == ErfLayout::Rows) {
    const __m256i j = _mm512_cvttpd_epi32(x);
    jd = _mm512_cvtepi32_pd(j);
    const __m256i o = _mm256_mullo_epi32(j, _mm256_set1_epi32(7));
    r0 = _mm512_i32gather_pd(o, t, 8), c1 = _mm512_i32gather_pd(o, t + 1, 8);
    c2 = _mm512_i32gather_pd(o, t + 2, 8), c3 = _mm512_i32gather_pd(o, t + 3, 8);
    c4 = _mm512_i32gather_pd(o, t + 4, 8), c5 = _mm512_i32gather_pd(o, t + 5, 8);
    c6 = _mm512_i32gather_pd(o, t + 6, 8);
  } else {
    const __m512i j = _mm512_cvttpd_epi64(x);
    jd = _mm512_cvtepi64_pd(j);
    r0 = _mm512_i64gather_pd(j, t, 8), c1 = _mm512_i64gather_pd(j, t + kErfRows, 8);
    c2 = _mm512_i64gather_pd(j, t + 2 * kErfRows, 8), c3 = _mm512_i64gather_pd(j, t + 3 * kErfRows, 8);
    c4 = _mm512_i64gather_pd(j, t + 4 * kErfRows, 8), c5 = _mm512_i64gather_pd(j, t + 5 * kErfRows, 8);
    c6 = _mm512_i64gather_pd(j, t + 6 * kErfRows, 8);
  }
  const __m512d e = _mm512_sub_pd(ax, _mm512_mul_pd(jd, _mm512_set1_pd(1.0 / kErfStep)));
  // val = r0 + e*(c1 + e*(c2 + e*(c3 + e*(c4 + e*(c5 + e*c6)))))
  __m512d p = _mm512_add_pd(c5, _mm512_mul_pd(e, c6));
  p = _mm512_add_pd(c4, _mm512_mul_pd(e, p));
  p = _mm512_add_pd(c3, _mm512_mul_pd(e, p));
  p = _mm512_add_pd(c2, _mm512_mul_pd(e, p));
  p = _mm512_add_pd(c1, _mm512_mul_pd(e, p));
  p = _mm512_add_pd(r0, _mm512_mul_pd(e, p));
  // d = c1 + e*(2c2 + e*(3c3 + e*(4c4 + e*(5c5 + (e*6)*c6))))
  __m512d d = _mm512_add_pd(_mm512_mul_pd(_mm512_set1_pd(5), c5), _mm512_mul_pd(_mm512_mul_pd(e, _mm512_set1_pd(6)), c6));
  d = _mm512_add_pd(_mm512_mul_pd(_mm512_set1_pd(4), c4), _mm512_mul_pd(e, d));
  d = _mm512_add_pd(_mm512_mul_pd(_mm512_set1_pd(3), c3), _mm512_mul_pd(e, d));
  d = _mm512_add_pd(_mm512_mul_pd(_mm512_set1_pd(2), c2), _mm512_mul_pd(e, d));
  dphi = _mm512_add_pd(c1, _mm512_mul_pd(e, d));
  // −val where v < 0 (so −0 gives +0, exactly as the scalar definition)
  phi = _mm512_mask_xor_pd(p, _mm512_cmp_pd_mask(v, _mm512_setzero_pd(), _CMP_LT_OQ), p, sign);
  return big;
}

SFTDL_EW_AVX512 void erfAvx512(const double* h, double* phi, double* dphi, size_t lo, size_t hi, const double* t) {
  size_t i = lo;
  for (; i + 8 <= hi; i += 8) {
    __m512d p, d;
    const __mmask8 big = erfLanes<ErfLayout::Rows>(_mm512_loadu_pd(h + i), t, p, d);
    _mm512_storeu_pd(phi + i, p);
    _mm512_storeu_pd(dphi + i, d);
    if (big) {
      for (int l = 0; l < 8; l++)
        if (big & (1u << l)) erfOne(h[i + l], phi + i + l, dphi + i + l, t);
    }
  }
  erfScalar(h, phi, dphi, i, hi, t);
}

SFTDL_EW_AVX2 void erfAvx2(const double* h, double* phi, double* dphi, size_t lo, size_t hi, const double* t) {
  const __m256d sign = _mm256_set1_pd(-0.0), emax = _mm256_set1_pd(kErfMax), step = _mm256_set1_pd(kErfStep);
  const __m256d half = _mm256_set1_pd(0.5), inv = _mm256_set1_pd(1.0 / kErfStep);
  const __m256d two = _mm256_set1_pd(2), three = _mm256_set1_pd(3), four = _mm256_set1_pd(4);
  const __m256d five = _mm256_set1_pd(5), six = _mm256_set1_pd(6);
  const __m128i seven = _mm_set1_epi32(7);
  size_t i = lo;
  for (; i + 4 <= hi; i += 4) {
    const __m256d v = _mm256_loadu_pd(h + i);
    const __m256d ax = _mm256_andnot_pd(sign, v);
    const int big = _mm256_movemask_pd(_mm256_cmp_pd(ax, emax, _CMP_GE_OQ));
    const __m256d axc = _mm256_min_pd(ax, emax);  // NaN → 6 (second operand), see the AVX-512 path
    const __m128i j = _mm256_cvttpd_epi32(_mm256_add_pd(_mm256_mul_pd(axc, step), half));
    const __m256d e = _mm256_sub_pd(ax, _mm256_mul_pd(_mm256_cvtepi32_pd(j), inv));
    const __m128i o = _mm_mullo_epi32(j, seven);
    const __m256d r0 = _mm256_i32gather_pd(t, o, 8), c1 = _mm256_i32gather_pd(t + 1, o, 8);
    const __m256d c2 = _mm256_i32gather_pd(t + 2, o, 8), c3 = _mm256_i32gather_pd(t + 3, o, 8);
    const __m256d c4 = _mm256_i32gather_pd(t + 4, o, 8), c5 = _mm256_i32gather_pd(t + 5, o, 8);
    const __m256d c6 = _mm256_i32gather_pd(t + 6, o, 8);
    __m256d p = _mm256_add_pd(c5, _mm256_mul_pd(e, c6));
    p = _mm256_add_pd(c4, _mm256_mul_pd(e, p));
    p = _mm256_add_pd(c3, _mm256_mul_pd(e, p));
    p = _mm256_add_pd(c2, _mm256_mul_pd(e, p));
    p = _mm256_add_pd(c1, _mm256_mul_pd(e, p));
    p = _mm256_add_pd(r0, _mm256_mul_pd(e, p));
    __m256d d = _mm256_add_pd(_mm256_mul_pd(five, c5), _mm256_mul_pd(_mm256_mul_pd(e, six), c6));
    d = _mm256_add_pd(_mm256_mul_pd(four, c4), _mm256_mul_pd(e, d));
    d = _mm256_add_pd(_mm256_mul_pd(three, c3), _mm256_mul_pd(e, d));
    d = _mm256_add_pd(_mm256_mul_pd(two, c2), _mm256_mul_pd(e, d));
    d = _mm256_add_pd(c1, _mm256_mul_pd(e, d));
    p = _mm256_xor_pd(p, _mm256_and_pd(_mm256_cmp_pd(v, _mm256_setzero_pd(), _CMP_LT_OQ), sign));
    _mm256_storeu_pd(phi + i, p);
    _mm256_storeu_pd(dphi + i, d);
    if (big) {
      for (int l = 0; l < 4; l++)
        if (big & (1 << l)) erfOne(h[i + l], phi + i + l, dphi + i + l, t);
    }
  }
  erfScalar(h, phi, dphi, i, hi, t);
}

// linear, ReLU, square: exact in any width (one rounding per value, same as scalar)
SFTDL_EW_AVX512 void otherAvx512(int kind, const double* h, double* phi, double* dphi, size_t lo, size_t hi) {
  const __m512d zero = _mm512_setzero_pd(), one = _mm512_set1_pd(1), two = _mm512_set1_pd(2);
  size_t i = lo;
  for (; i + 8 <= hi; i += 8) {
    const __m512d v = _mm512_loadu_pd(h + i);
    __m512d p, d;
    if (kind == kActLinear) { p = v; d = one; }
    else if (kind == kActRelu) {
      const __mmask8 pos = _mm512_cmp_pd_mask(v, zero, _CMP_GT_OQ);
      p = _mm512_maskz_mov_pd(pos, v); d = _mm512_maskz_mov_pd(pos, one);
    } else { p = _mm512_mul_pd(v, v); d = _mm512_mul_pd(two, v); }
    _mm512_storeu_pd(phi + i, p);
    _mm512_storeu_pd(dphi + i, d);
  }
  otherScalar(kind, h, phi, dphi, i, hi);
}

enum class Isa { Scalar, Avx2, Avx512 };
Isa isa() {
  static const Isa best = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) return Isa::Avx512;
    if (__builtin_cpu_supports("avx2")) return Isa::Avx2;
    return Isa::Scalar;
  }();
  return best;
}
#endif  // SFTDL_EW_X86

void range(int kind, const double* h, double* phi, double* dphi, size_t lo, size_t hi, const double* t, int maxIsa) {
#ifdef SFTDL_EW_X86
  Isa best = isa();
  if (maxIsa < 2 && best == Isa::Avx512) best = Isa::Avx2;
  if (maxIsa < 1) best = Isa::Scalar;
  if (kind == kActErf) {
    if (best == Isa::Avx512) return erfAvx512(h, phi, dphi, lo, hi, t);
    if (best == Isa::Avx2) return erfAvx2(h, phi, dphi, lo, hi, t);
    return erfScalar(h, phi, dphi, lo, hi, t);
  }
  if (kind != kActTanh && best == Isa::Avx512) return otherAvx512(kind, h, phi, dphi, lo, hi);
#else
  (void)maxIsa;
#endif
  if (kind == kActErf) return erfScalar(h, phi, dphi, lo, hi, t);
  otherScalar(kind, h, phi, dphi, lo, hi);
}

}  // namespace

const char* activateIsa() {
#ifdef SFTDL_EW_X86
  switch (isa()) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: break;
  }
#endif
  return "scalar";
}

void activate(int kind, const double* h, double* phi, double* dphi, size_t len, int threads, const double* table,
              int maxIsa) {
  // vectorised erf runs at about a nanosecond per entry: below ~128k entries per thread the pool's hand-off
  // costs more than it saves (tanh, scalar libm, is ~10× slower per entry)
  const size_t minPerThread = kind == kActTanh ? 16384 : 131072;
  size_t nt = threads < 1 ? 1 : static_cast<size_t>(threads);
  if (nt > len / minPerThread) nt = len / minPerThread;
  if (nt <= 1) { range(kind, h, phi, dphi, 0, len, table, maxIsa); return; }
  const size_t chunk = ((len + nt - 1) / nt + 7) & ~static_cast<size_t>(7);
  fast::parallel(static_cast<int>(nt), [&](int w, int tf) {
    // tf ≤ nt parties: each takes every tf-th chunk of the fixed nt-way split (any split gives the same values)
    for (size_t k = static_cast<size_t>(w); k < nt; k += static_cast<size_t>(tf)) {
      const size_t lo = k * chunk, hi = lo + chunk < len ? lo + chunk : len;
      if (lo < hi) range(kind, h, phi, dphi, lo, hi, table, maxIsa);
    }
  });
}

}  // namespace sftdl

// ---- fused two-layer readout ----------------------------------------------------------------------------------

namespace sftdl {
namespace {

// φ, φ′ of row μ: the caller's buffers, or computed from h into the scratch row (fused activation)
struct Row {
  const double* ph;
  const double* dph;
};
inline Row rowOf(const ReadoutArgs& r, size_t mu, double* scratch) {
  if (!r.h && !r.h32) return {r.phi + mu * r.stride, r.dphi + mu * r.stride};
  const double* h = r.h ? r.h + mu * r.stride : scratch + 2 * r.width;
  if (!r.h) {
    const float* src = r.h32 + mu * r.stride;
    double* dst = scratch + 2 * r.width;
    for (size_t i = 0; i < r.width; i++) dst[i] = src[i];
  }
  range(r.kind, h, scratch, scratch + r.width, 0, r.width, r.table, r.maxIsa);
  return {scratch, scratch + r.width};
}
/** Scratch doubles per row part: φ, φ′ and (float32 input) the widened row; the fused erf keeps two rows of φ, φ′. */
inline size_t scratchPerPart(const ReadoutArgs& r) { return r.h || r.h32 ? 4 * r.width : 0; }

// The portable definition, the same loops and arithmetic as @sftdl/compute's readoutInto (bit-identical).
double readoutScalar(const ReadoutArgs& r, double* scratch) {
  const size_t N = r.width, O = r.outputs;
  for (size_t k = 0; k < N * O; k++) r.grad[k] = 0;
  double loss = 0;
  for (size_t mu = 0; mu < r.n; mu++) {
    const Row row = rowOf(r, mu, scratch);
    const double* ph = row.ph;
    const double* dph = row.dph;
    double* dm = r.delta32 ? nullptr : r.delta + mu * r.stride;
    float* dm32 = r.delta32 ? r.delta32 + mu * r.stride : nullptr;
    double* res = r.res + mu * O;
    for (size_t o = 0; o < O; o++) {
      double sv = 0;
      for (size_t i = 0; i < N; i++) sv += ph[i] * r.a[i * O + o];
      r.pred[mu * O + o] = sv;
      const double e = sv - r.y[mu * O + o];
      res[o] = e;
      loss += e * e;
    }
    for (size_t i = 0; i < N; i++) {
      double sv = 0;
      for (size_t o = 0; o < O; o++) {
        const double rv = res[o];
        r.grad[i * O + o] += ph[i] * rv;
        sv += r.a[i * O + o] * rv;
      }
      if (dm32) dm32[i] = static_cast<float>(sv * dph[i]);
      else dm[i] = sv * dph[i];
    }
  }
  return 0.5 * loss;
}

#ifdef SFTDL_EW_X86
/**
 * The columns of the fast-erf table `t` (see erfLanes), made on first use and kept per calling thread; remade when
 * the table's contents differ from the one they were made from (a 43 kB compare per call, ~2 µs).
 */
const double* erfColumns(const double* t) {
  thread_local std::vector<double> from, cols;
  const size_t len = 7 * kErfRows;
  if (from.size() != len || std::memcmp(from.data(), t, len * sizeof(double)) != 0) {
    from.assign(t, t + len);
    cols.resize(len);
    for (size_t row = 0; row < kErfRows; row++)
      for (size_t k = 0; k < 7; k++) cols[k * kErfRows + row] = t[7 * row + k];
  }
  return cols.data();
}

/** φ, φ′ of a row's entries [i, i + 8) (float32 entries widened exactly) into phw/dphw; returns the final φ. */
template <typename H>
__attribute__((target("avx512f,avx512dq"), always_inline)) inline __m512d erfBlock(const H* h, size_t i, const double* soa,
                                                                                   const double* t, double* phw,
                                                                                   double* dphw) {
  __m512d v;
  if constexpr (sizeof(H) == 4) v = _mm512_cvtps_pd(_mm256_loadu_ps(h + i));
  else v = _mm512_loadu_pd(h + i);
  __m512d p, d;
  const __mmask8 big = erfLanes<ErfLayout::Columns>(v, soa, p, d);
  _mm512_storeu_pd(phw + i, p);
  _mm512_storeu_pd(dphw + i, d);
  if (!big) return p;
  for (int l = 0; l < 8; l++)
    if (big & (1u << l)) erfOne(static_cast<double>(h[i + l]), phw + i + l, dphw + i + l, t);
  return _mm512_loadu_pd(phw + i);
}

/** A finished row's second sweep: g += φ·e and δ = (a·e)·φ′ (rounded to float32 when dm32 is set). */
struct Signal {
  const double* ph;
  const double* dph;
  __m512d ev;
  double* dm;
  float* dm32;
};

__attribute__((target("avx512f,avx512dq,fma"), always_inline)) inline void signalBlock(const Signal& q, const double* a,
                                                                                       double* grad, size_t i) {
  _mm512_storeu_pd(grad + i, _mm512_fmadd_pd(_mm512_loadu_pd(q.ph + i), q.ev, _mm512_loadu_pd(grad + i)));
  const __m512d dv = _mm512_mul_pd(_mm512_mul_pd(_mm512_loadu_pd(a + i), q.ev), _mm512_loadu_pd(q.dph + i));
  if (q.dm32) _mm256_storeu_ps(q.dm32 + i, _mm512_cvtpd_ps(dv));
  else _mm512_storeu_pd(q.dm + i, dv);
}

/** The width tail [N8, N8 + popcount(tail)) of the second sweep. */
__attribute__((target("avx512f,avx512dq,fma"), always_inline)) inline void signalTail(const Signal& q, const double* a,
                                                                                      double* grad, size_t N8, __mmask8 tail) {
  const __m512d p = _mm512_maskz_loadu_pd(tail, q.ph + N8);
  _mm512_mask_storeu_pd(grad + N8, tail, _mm512_fmadd_pd(p, q.ev, _mm512_maskz_loadu_pd(tail, grad + N8)));
  const __m512d av = _mm512_maskz_loadu_pd(tail, a + N8), dv = _mm512_maskz_loadu_pd(tail, q.dph + N8);
  const __m512d dt = _mm512_mul_pd(_mm512_mul_pd(av, q.ev), dv);
  if (q.dm32) _mm512_mask_storeu_ps(q.dm32 + N8, static_cast<__mmask16>(tail), _mm512_castps256_ps512(_mm512_cvtpd_ps(dt)));
  else _mm512_mask_storeu_pd(q.dm + N8, tail, dt);
}

/**
 * φ, φ′ of a row of width N into phw/dphw and the dot product φ·a in the accumulators of the separate dot product:
 * block b of 8 into s0 (b even) or s1 (b odd); the width tail is left to the caller (it goes to s1). With `prev`, the
 * previous row's second sweep (its blocks, not its tail) runs in the same loop: its loads, stores and three products
 * fill the slots the erf's gathers leave, and each gradient entry still receives the rows in order.
 */
template <typename H>
__attribute__((target("avx512f,avx512dq,fma"), always_inline)) inline void erfRowDot(const H* h, size_t N, const double* soa,
                                                                                     const double* t, const double* a,
                                                                                     double* phw, double* dphw, __m512d& s0,
                                                                                     __m512d& s1, const Signal* prev,
                                                                                     double* grad) {
  const size_t N8 = N & ~static_cast<size_t>(7);
  size_t i = 0;
  for (; i + 16 <= N8; i += 16) {
    s0 = _mm512_fmadd_pd(erfBlock(h, i, soa, t, phw, dphw), _mm512_loadu_pd(a + i), s0);
    s1 = _mm512_fmadd_pd(erfBlock(h, i + 8, soa, t, phw, dphw), _mm512_loadu_pd(a + i + 8), s1);
    if (prev) {
      signalBlock(*prev, a, grad, i);
      signalBlock(*prev, a, grad, i + 8);
    }
  }
  if (i < N8) {
    s0 = _mm512_fmadd_pd(erfBlock(h, i, soa, t, phw, dphw), _mm512_loadu_pd(a + i), s0);
    if (prev) signalBlock(*prev, a, grad, i);
  }
  for (i = N8; i < N; i++) erfOne(static_cast<double>(h[i]), phw + i, dphw + i, t);
}

// One output (the sampler's usual case): per row one FMA dot product (8 lanes × 2 accumulators, a fixed order
// that depends only on N), then g += φ·r and δ = (a·r)·φ′ in one sweep over the row while it is in L1.
// Rows [mu0, mu1) only, with φᵀr summed into `grad` (zeroed here): one part of the row split in `readout`.
//
// With the fused erf (`soa`: the table's columns, see erfLanes) φ and φ′ are computed 8 at a time straight from h (or
// h32, widened exactly) and φ·a is accumulated from the registers, in one sweep instead of three (widen, activate,
// dot); the accumulators take the same blocks in the same order as the separate dot product, so the values are the same.
__attribute__((target("avx512f,avx512dq,fma"), noinline)) double readoutAvx512(const ReadoutArgs& r, double* scratch, size_t mu0,
                                                                              size_t mu1, double* grad, const double* soa) {
  const size_t N = r.width, N8 = N & ~static_cast<size_t>(7);
  const __mmask8 tail = static_cast<__mmask8>((1u << (N - N8)) - 1);
  for (size_t i = 0; i < N; i++) grad[i] = 0;
  double loss = 0;
  Signal prev{};  // fused erf: the previous row, whose second sweep runs inside this row's first
  bool pending = false;
  for (size_t mu = mu0; mu < mu1; mu++) {
    const double* ph;
    const double* dph;
    double* dm = r.delta32 ? nullptr : r.delta + mu * r.stride;
    float* dm32 = r.delta32 ? r.delta32 + mu * r.stride : nullptr;
    // block b of 8 goes to s0 (b even) or s1 (b odd), the width tail to s1
    __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
    if (soa) {
      double* phw = scratch + ((mu - mu0) & 1) * 2 * N;  // two rows of φ, φ′ in turn
      double* dphw = phw + N;
      const Signal* q = pending ? &prev : nullptr;
      if (r.h32) erfRowDot(r.h32 + mu * r.stride, N, soa, r.table, r.a, phw, dphw, s0, s1, q, grad);
      else erfRowDot(r.h + mu * r.stride, N, soa, r.table, r.a, phw, dphw, s0, s1, q, grad);
      if (pending && tail) signalTail(prev, r.a, grad, N8, tail);
      ph = phw;
      dph = dphw;
    } else {
      const Row row = rowOf(r, mu, scratch);
      ph = row.ph;
      dph = row.dph;
      size_t i = 0;
      for (; i + 16 <= N8; i += 16) {
        s0 = _mm512_fmadd_pd(_mm512_loadu_pd(ph + i), _mm512_loadu_pd(r.a + i), s0);
        s1 = _mm512_fmadd_pd(_mm512_loadu_pd(ph + i + 8), _mm512_loadu_pd(r.a + i + 8), s1);
      }
      if (i < N8) s0 = _mm512_fmadd_pd(_mm512_loadu_pd(ph + i), _mm512_loadu_pd(r.a + i), s0);
    }
    if (tail) s1 = _mm512_fmadd_pd(_mm512_maskz_loadu_pd(tail, ph + N8), _mm512_maskz_loadu_pd(tail, r.a + N8), s1);
    const double sv = _mm512_reduce_add_pd(_mm512_add_pd(s0, s1));
    r.pred[mu] = sv;
    const double e = sv - r.y[mu];
    r.res[mu] = e;
    loss += e * e;
    const Signal cur{ph, dph, _mm512_set1_pd(e), dm, dm32};
    if (soa) {
      prev = cur;
      pending = true;
      continue;
    }
    for (size_t i = 0; i < N8; i += 8) signalBlock(cur, r.a, grad, i);
    if (tail) signalTail(cur, r.a, grad, N8, tail);
  }
  if (pending) {
    for (size_t i = 0; i < N8; i += 8) signalBlock(prev, r.a, grad, i);
    if (tail) signalTail(prev, r.a, grad, N8, tail);
  }
  return 0.5 * loss;
}
#endif

}  // namespace

double readout(const ReadoutArgs& args) {
#ifdef SFTDL_EW_X86
  if (args.outputs == 1 && args.maxIsa >= 2 && isa() == Isa::Avx512) {
    // rows split into a number of parts that depends on n only (one per 128 rows, at most 16): the parts run on up
    // to `threads` threads, and their gradients and losses are summed in part order, so values never depend on the
    // thread count
    const size_t n = args.n, N = args.width;
    const size_t parts = n >= 256 ? std::min<size_t>(16, n / 128) : 1;
    const size_t per = scratchPerPart(args);
    const double* soa = (args.h || args.h32) && args.kind == kActErf ? erfColumns(args.table) : nullptr;
    std::vector<double> scratch(per * parts), partial(parts > 1 ? parts * N : 0), loss(parts);
    if (parts == 1) return readoutAvx512(args, scratch.data(), 0, n, args.grad, soa);
    fast::parallel(args.threads, [&](int w, int tf) {
      for (size_t k = static_cast<size_t>(w); k < parts; k += static_cast<size_t>(tf)) {
        double* sc = per ? scratch.data() + per * k : nullptr;
        loss[k] = readoutAvx512(args, sc, n * k / parts, n * (k + 1) / parts, partial.data() + N * k, soa);
      }
    });
    double total = 0;
    for (size_t i = 0; i < N; i++) {
      double g = partial[i];
      for (size_t k = 1; k < parts; k++) g += partial[k * N + i];
      args.grad[i] = g;
    }
    for (size_t k = 0; k < parts; k++) total += loss[k];
    return total;
  }
#endif
  std::vector<double> scratch(scratchPerPart(args));
  return readoutScalar(args, scratch.data());
}

}  // namespace sftdl
