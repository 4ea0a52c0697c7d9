// The Langevin noise stream (see noise.h and @sftdl/compute's noise.ts, the definition). Floating-point contraction is
// off and the AVX-512 path performs the scalar path's operations lane by lane in the same order, so both reproduce
// the TypeScript definition bit for bit: IEEE +, −, ×, ÷ and √ are correctly rounded everywhere, and the
// decomposition u = m·2^e (frexp, getexp/getmant) is exact.
#pragma GCC optimize("fp-contract=off")
#include "noise.h"

#include <cmath>

#include "fastgemm.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define SFTDL_NOISE_X86 1
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace sftdl {
namespace {

constexpr uint32_t M0 = 0xd2511f53u, M1 = 0xcd9e8d57u, W0 = 0x9e3779b9u, W1 = 0xbb67ae85u;
constexpr double kInv253 = 1.0 / 9007199254740992.0;
// coefficients: see noise.ts
constexpr double S0 = 6.283185307179586, S1 = -41.34170224039976, S2 = 81.60524927607506, S3 = -76.70585975306139,
                 S4 = 42.058693944897655, S5 = -15.09464257682299, S6 = 3.819952584848282, S7 = -0.7181223017785006,
                 S8 = 0.10422916220813984;
constexpr double C1 = -19.739208802178716, C2 = 64.9393940226683, C3 = -85.45681720669373, C4 = 60.24464137187666,
                 C5 = -26.4262567833744, C6 = 7.903536371318469, C7 = -1.714390711088672, C8 = 0.28200596845579123;
constexpr double L0 = 2, L1 = 0.6666666666666666, L2 = 0.4, L3 = 0.2857142857142857, L4 = 0.2222222222222222,
                 L5 = 0.18181818181818182, L6 = 0.15384615384615385, L7 = 0.13333333333333333,
                 L8 = 0.11764705882352941, L9 = 0.10526315789473684, L10 = 0.09523809523809523,
                 L11 = 0.08695652173913043;
constexpr double LN2_HI = 0.6931467056274414, LN2_LO = 4.7493250390316726e-7, SQRT2 = 1.4142135623730951;

inline void philox(uint64_t j, uint32_t k0, uint32_t k1, uint32_t& x0, uint32_t& x1, uint32_t& x2, uint32_t& x3) {
  x0 = static_cast<uint32_t>(j);
  x1 = static_cast<uint32_t>(j >> 32);
  x2 = 0;
  x3 = 0;
  uint32_t a = k0, b = k1;
  for (int r = 0; r < 10; r++) {
    const uint64_t p0 = static_cast<uint64_t>(M0) * x0, p1 = static_cast<uint64_t>(M1) * x2;
    const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ x1 ^ a;
    const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ x3 ^ b;
    x1 = static_cast<uint32_t>(p1);
    x3 = static_cast<uint32_t>(p0);
    x0 = n0;
    x2 = n2;
    a += W0;
    b += W1;
  }
}

inline double uniform(uint32_t hi, uint32_t lo) {
  return (static_cast<double>(hi >> 5) * 67108864.0 + static_cast<double>(lo >> 6) + 0.5) * kInv253;
}

inline double streamLog(double u) {
  int e2;
  double m = std::frexp(u, &e2) * 2;  // m ∈ [1, 2), u = m·2^(e2 − 1): exact
  double e = e2 - 1;
  if (m > SQRT2) {
    m *= 0.5;
    e += 1;
  }
  const double f = m - 1;
  const double s = f / (2 + f);
  const double z = s * s;
  const double p =
      L0 + z * (L1 + z * (L2 + z * (L3 + z * (L4 + z * (L5 + z * (L6 + z * (L7 + z * (L8 + z * (L9 + z * (L10 + z * L11))))))))));
  return e * LN2_HI + (e * LN2_LO + s * p);
}

inline void boxMuller(double u1, double u2, double* out, size_t i, size_t n) {
  const double rho = std::sqrt(-2 * streamLog(u1));
  const double q = std::floor(4 * u2 + 0.5);
  const double r = u2 - 0.25 * q;
  const double z = r * r;
  const double s = r * (S0 + z * (S1 + z * (S2 + z * (S3 + z * (S4 + z * (S5 + z * (S6 + z * (S7 + z * S8))))))));
  const double c = 1 + z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * (C6 + z * (C7 + z * C8)))))));
  const int qq = static_cast<int>(q) & 3;
  const double cs = qq == 0 ? c : qq == 1 ? -s : qq == 2 ? -c : s;
  const double sn = qq == 0 ? s : qq == 1 ? c : qq == 2 ? -s : -c;
  out[i] = rho * cs;
  if (i + 1 < n) out[i + 1] = rho * sn;
}

void pairsScalar(uint32_t k0, uint32_t k1, double* out, size_t n, size_t j0, size_t j1) {
  for (size_t j = j0; j < j1; j++) {
    uint32_t x0, x1, x2, x3;
    philox(j, k0, k1, x0, x1, x2, x3);
    boxMuller(uniform(x0, x1), uniform(x2, x3), out, 2 * j, n);
  }
}

#ifdef SFTDL_NOISE_X86
#define SFTDL_NOISE_AVX512 __attribute__((target("avx512f,avx512dq"), noinline))

// 8 pairs (16 normals) per iteration, full blocks only; the caller does the tail with the scalar loop.
SFTDL_NOISE_AVX512 size_t pairsAvx512(uint32_t k0, uint32_t k1, double* out, size_t jEnd) {
  const __m512i lo32 = _mm512_set1_epi64(0xffffffffLL), m0 = _mm512_set1_epi64(M0), m1 = _mm512_set1_epi64(M1);
  const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
  const __m512d two26 = _mm512_set1_pd(67108864.0), half = _mm512_set1_pd(0.5), inv = _mm512_set1_pd(kInv253);
  const __m512d one = _mm512_set1_pd(1), two = _mm512_set1_pd(2), sqrt2 = _mm512_set1_pd(SQRT2);
  const __m512d quarter = _mm512_set1_pd(0.25), four = _mm512_set1_pd(4), minus2 = _mm512_set1_pd(-2);
  const __m512d sign = _mm512_set1_pd(-0.0);
  const __m512i ilo = _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0), ihi = _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4);
  size_t j = 0;
  for (; j + 8 <= jEnd; j += 8) {
    const __m512i jj = _mm512_add_epi64(_mm512_set1_epi64(static_cast<long long>(j)), lane);
    __m512i x0 = _mm512_and_si512(jj, lo32), x1 = _mm512_srli_epi64(jj, 32);
    __m512i x2 = _mm512_setzero_si512(), x3 = _mm512_setzero_si512();
    uint32_t a = k0, b = k1;
    for (int r = 0; r < 10; r++) {
      const __m512i p0 = _mm512_mul_epu32(x0, m0), p1 = _mm512_mul_epu32(x2, m1);
      const __m512i av = _mm512_set1_epi64(a), bv = _mm512_set1_epi64(b);
      x0 = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(p1, 32), x1), av);
      x1 = _mm512_and_si512(p1, lo32);
      x2 = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(p0, 32), x3), bv);
      x3 = _mm512_and_si512(p0, lo32);
      a += W0;
      b += W1;
    }
    const __m512d u1 = _mm512_mul_pd(
        _mm512_add_pd(_mm512_add_pd(_mm512_mul_pd(_mm512_cvtepu64_pd(_mm512_srli_epi64(x0, 5)), two26),
                                    _mm512_cvtepu64_pd(_mm512_srli_epi64(x1, 6))),
                      half),
        inv);
    const __m512d u2 = _mm512_mul_pd(
        _mm512_add_pd(_mm512_add_pd(_mm512_mul_pd(_mm512_cvtepu64_pd(_mm512_srli_epi64(x2, 5)), two26),
                                    _mm512_cvtepu64_pd(_mm512_srli_epi64(x3, 6))),
                      half),
        inv);
    // log u1
    __m512d m = _mm512_getmant_pd(u1, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_src);
    __m512d e = _mm512_getexp_pd(u1);
    const __mmask8 big = _mm512_cmp_pd_mask(m, sqrt2, _CMP_GT_OQ);
    m = _mm512_mask_mul_pd(m, big, m, half);
    e = _mm512_mask_add_pd(e, big, e, one);
    const __m512d f = _mm512_sub_pd(m, one);
    const __m512d s = _mm512_div_pd(f, _mm512_add_pd(two, f));
    const __m512d z = _mm512_mul_pd(s, s);
    __m512d p = _mm512_add_pd(_mm512_set1_pd(L10), _mm512_mul_pd(z, _mm512_set1_pd(L11)));
    p = _mm512_add_pd(_mm512_set1_pd(L9), _mm512_mul_pd(z, p));
    p = _mm512_add_pd(_mm512_set1_pd(L8), _mm512_mul_pd(z, p));
    p = _mm512_add_pd(_mm512_set1_pd(L7), _mm512_mul_pd(z, p));
    p = _mm512_add_pd(_mm512_set1_pd(L6), _mm512_mul_pd(z, p));
    p = _mm512_add_pd(_mm512_set1_pd(L5), _mm512_mul_pd(z, p));
    p = _mm512_add_pd(_mm512_set1_pd(L4), _mm512_mul_pd(z, p));
    p = _mm512_add_pd(_mm512_set1_pd(L3), _mm512_mul_pd(z, p));
    p = _mm512_add_pd(_mm512_set1_pd(L2), _mm512_mul_pd(z, p));
    p = _mm512_add_pd(_mm512_set1_pd(L1), _mm512_mul_pd(z, p));
    p = _mm512_add_pd(_mm512_set1_pd(L0), _mm512_mul_pd(z, p));
    const __m512d lg = _mm512_add_pd(_mm512_mul_pd(e, _mm512_set1_pd(LN2_HI)),
                                     _mm512_add_pd(_mm512_mul_pd(e, _mm512_set1_pd(LN2_LO)), _mm512_mul_pd(s, p)));
    const __m512d rho = _mm512_sqrt_pd(_mm512_mul_pd(minus2, lg));
    // sin, cos of 2π·u2
    const __m512d q = _mm512_roundscale_pd(_mm512_add_pd(_mm512_mul_pd(four, u2), half), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    const __m512d r = _mm512_sub_pd(u2, _mm512_mul_pd(quarter, q));
    const __m512d w = _mm512_mul_pd(r, r);
    __m512d sp = _mm512_add_pd(_mm512_set1_pd(S7), _mm512_mul_pd(w, _mm512_set1_pd(S8)));
    sp = _mm512_add_pd(_mm512_set1_pd(S6), _mm512_mul_pd(w, sp));
    sp = _mm512_add_pd(_mm512_set1_pd(S5), _mm512_mul_pd(w, sp));
    sp = _mm512_add_pd(_mm512_set1_pd(S4), _mm512_mul_pd(w, sp));
    sp = _mm512_add_pd(_mm512_set1_pd(S3), _mm512_mul_pd(w, sp));
    sp = _mm512_add_pd(_mm512_set1_pd(S2), _mm512_mul_pd(w, sp));
    sp = _mm512_add_pd(_mm512_set1_pd(S1), _mm512_mul_pd(w, sp));
    sp = _mm512_add_pd(_mm512_set1_pd(S0), _mm512_mul_pd(w, sp));
    const __m512d sv = _mm512_mul_pd(r, sp);
    __m512d cp = _mm512_add_pd(_mm512_set1_pd(C7), _mm512_mul_pd(w, _mm512_set1_pd(C8)));
    cp = _mm512_add_pd(_mm512_set1_pd(C6), _mm512_mul_pd(w, cp));
    cp = _mm512_add_pd(_mm512_set1_pd(C5), _mm512_mul_pd(w, cp));
    cp = _mm512_add_pd(_mm512_set1_pd(C4), _mm512_mul_pd(w, cp));
    cp = _mm512_add_pd(_mm512_set1_pd(C3), _mm512_mul_pd(w, cp));
    cp = _mm512_add_pd(_mm512_set1_pd(C2), _mm512_mul_pd(w, cp));
    cp = _mm512_add_pd(_mm512_set1_pd(C1), _mm512_mul_pd(w, cp));
    const __m512d cv = _mm512_add_pd(one, _mm512_mul_pd(w, cp));
    const __m512i qq = _mm512_and_si512(_mm512_cvttpd_epi64(q), _mm512_set1_epi64(3));
    const __mmask8 q1 = _mm512_cmpeq_epi64_mask(qq, _mm512_set1_epi64(1));
    const __mmask8 q2 = _mm512_cmpeq_epi64_mask(qq, _mm512_set1_epi64(2));
    const __mmask8 q3 = _mm512_cmpeq_epi64_mask(qq, _mm512_set1_epi64(3));
    const __m512d ns = _mm512_xor_pd(sv, sign), nc = _mm512_xor_pd(cv, sign);
    __m512d cs = _mm512_mask_mov_pd(cv, q1, ns);
    cs = _mm512_mask_mov_pd(cs, q2, nc);
    cs = _mm512_mask_mov_pd(cs, q3, sv);
    __m512d sn = _mm512_mask_mov_pd(sv, q1, cv);
    sn = _mm512_mask_mov_pd(sn, q2, ns);
    sn = _mm512_mask_mov_pd(sn, q3, nc);
    const __m512d n1 = _mm512_mul_pd(rho, cs), n2 = _mm512_mul_pd(rho, sn);
    _mm512_storeu_pd(out + 2 * j, _mm512_permutex2var_pd(n1, ilo, n2));
    _mm512_storeu_pd(out + 2 * j + 8, _mm512_permutex2var_pd(n1, ihi, n2));
  }
  return j;
}
#endif

}  // namespace

void normals(uint32_t k0, uint32_t k1, double* out, size_t n, int maxIsa) {
  const size_t pairs = (n + 1) / 2;
  size_t j = 0;
#ifdef SFTDL_NOISE_X86
  // full 8-pair blocks that end inside out (2j + 16 ≤ n); the rest (and an odd last entry) in the scalar loop
  if (maxIsa >= 2 && fast::avx512Usable()) j = pairsAvx512(k0, k1, out, n / 2);
#else
  (void)maxIsa;
#endif
  pairsScalar(k0, k1, out, n, j, pairs);
}

}  // namespace sftdl
