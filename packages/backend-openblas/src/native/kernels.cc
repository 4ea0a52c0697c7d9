#include "kernels.h"

#include "elementwise.h"

#include "fastgemm.h"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

namespace sftdl {
namespace {

constexpr uint64_t kExp64 = 0x7FF0000000000000ULL;
constexpr uint32_t kExp32 = 0x7F800000U;
constexpr size_t kBlock = 4096;

inline bool bad64(double x) {
  uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return (u & kExp64) == kExp64;
}
inline bool bad32(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return (u & kExp32) == kExp32;
}

/**
 * Runs step(i) for i in [b, e) and returns the first i for which it reported a bad entry, or -1. Blocks are
 * branch-free (step results are OR-ed) so the loops vectorise; a block with a hit is stepped again to find it, so
 * steps must be idempotent.
 */
template <typename Step>
int64_t firstBadIn(size_t b, size_t e, Step step) {
  for (size_t i0 = b; i0 < e; i0 += kBlock) {
    const size_t i1 = std::min(e, i0 + kBlock);
    unsigned bad = 0;
    for (size_t i = i0; i < i1; i++) bad |= step(i);
    if (bad)
      for (size_t i = i0; i < i1; i++)
        if (step(i)) return static_cast<int64_t>(i);
  }
  return -1;
}

/** First NaN/Inf in p[b, e). */
int64_t nonFiniteIn(const double* p, size_t b, size_t e) {
  return firstBadIn(b, e, [p](size_t i) { return bad64(p[i]); });
}

/** dst = (float)src on [b, e); first entry that is NaN/Inf after rounding. */
int64_t toFloatIn(const double* src, float* dst, size_t b, size_t e) {
  return firstBadIn(b, e, [src, dst](size_t i) {
    dst[i] = static_cast<float>(src[i]);
    return bad32(dst[i]);
  });
}

/** First entry in [b, e) that is NaN/Inf or becomes ±Inf when rounded to float32; read-only. */
int64_t floatBadIn(const double* src, size_t b, size_t e) {
  return firstBadIn(b, e, [src](size_t i) { return bad32(static_cast<float>(src[i])); });
}

/** dst = (double)src on [b, e); first non-finite entry. */
int64_t toDoubleIn(const float* src, double* dst, size_t b, size_t e) {
  return firstBadIn(b, e, [src, dst](size_t i) {
    dst[i] = static_cast<double>(src[i]);
    return bad32(src[i]);
  });
}

int lastThreads = -1;

/**
 * Runs scan(b, e) over [0, n) split across this backend's thread count (large arrays only) and returns the
 * smallest bad index or -1. These O(n²) passes (NaN checks, float32 conversions) are memory-bound and would
 * otherwise be a visible fraction of an O(n³) call on a few cores. Runs on the addon's worker pool (fewer parts,
 * down to one, when threads cannot start or the pool is busy).
 */
template <typename Scan>
int64_t parallelScan(size_t n, Scan scan) {
  const int threads = std::min(8, std::max(1, lastThreads));
  if (threads == 1 || n < (static_cast<size_t>(1) << 18)) return scan(static_cast<size_t>(0), n);
  std::vector<int64_t> found(threads, -1);
  fast::parallel(threads, [&](int w, int t) {
    const size_t chunk = ((n + t - 1) / t + kBlock - 1) / kBlock * kBlock;
    const size_t b = std::min(n, w * chunk), e = std::min(n, b + chunk);
    if (b < e) found[w] = scan(b, e);
  });
  for (int64_t f : found)  // parts are in index order: the first hit is the smallest bad index
    if (f >= 0) return f;
  return -1;
}

int64_t firstNonFinite(const double* p, size_t n) {
  return parallelScan(n, [p](size_t b, size_t e) { return nonFiniteIn(p, b, e); });
}
int64_t floatBad(const double* src, size_t n) {
  return parallelScan(n, [src](size_t b, size_t e) { return floatBadIn(src, b, e); });
}
int64_t toFloat(const double* src, float* dst, size_t n) {
  return parallelScan(n, [src, dst](size_t b, size_t e) { return toFloatIn(src, dst, b, e); });
}
int64_t toDouble(const float* src, double* dst, size_t n) {
  return parallelScan(n, [src, dst](size_t b, size_t e) { return toDoubleIn(src, dst, b, e); });
}

/**
 * float32 work buffers, kept per thread between calls: a fresh multi-megabyte allocation costs a page fault
 * per 4 KiB on first touch, which is a noticeable share of a float32 GEMM. Buffers above kRetain floats are
 * released after the call instead of being kept.
 */
constexpr size_t kRetain = static_cast<size_t>(64) << 20;  // 64 Mi floats = 256 MiB per slot
struct Scratch {
  std::unique_ptr<float[]> data;
  size_t capacity = 0;
};
thread_local Scratch scratchSlots[3];

class Floats {
 public:
  Floats(int slot, size_t n) : slot_(scratchSlots[slot]) {
    if (n > slot_.capacity) {
      slot_.data.reset();
      slot_.capacity = 0;
      slot_.data.reset(new float[std::max<size_t>(1, n)]);
      slot_.capacity = std::max<size_t>(1, n);
    }
  }
  ~Floats() {
    if (slot_.capacity > kRetain) {
      slot_.data.reset();
      slot_.capacity = 0;
    }
  }
  Floats(const Floats&) = delete;
  Floats& operator=(const Floats&) = delete;
  float* get() const { return slot_.data.get(); }
  float& operator[](size_t i) const { return slot_.data[i]; }

 private:
  Scratch& slot_;
};

Status nonFinite(char arg, int64_t index) {
  Status s;
  s.kind = Status::NonFinite;
  s.arg = arg;
  s.index = index;
  return s;
}
Status make(Status::Kind kind, int64_t index, char arg = 0, double value = 0) {
  Status s;
  s.kind = kind;
  s.arg = arg;
  s.index = index;
  s.value = value;
  return s;
}

/** Checks a float64 input for NaN/Inf. */
Status checkInput(char arg, const double* p, size_t n) {
  const int64_t i = firstNonFinite(p, n);
  return i < 0 ? Status::ok() : nonFinite(arg, i);
}

/** Converts a float64 input to float32, reporting NaN/Inf or float32 overflow. */
Status toFloatInput(char arg, const double* src, float* dst, size_t n) {
  const int64_t i = toFloat(src, dst, n);
  if (i < 0) return Status::ok();
  return make(std::isfinite(src[i]) ? Status::Float32Range : Status::NonFinite, i, arg, src[i]);
}

/** Checks a float64 input that will be rounded to float32: NaN/Inf, or finite but beyond the float32 range. */
Status checkFloatInput(char arg, const double* src, size_t n) {
  const int64_t i = floatBad(src, n);
  if (i < 0) return Status::ok();
  return make(std::isfinite(src[i]) ? Status::Float32Range : Status::NonFinite, i, arg, src[i]);
}

Status checkOutput(const double* p, size_t n) {
  const int64_t i = firstNonFinite(p, n);
  return i < 0 ? Status::ok() : make(Status::Overflow, i);
}

Status fromFloatOutput(const float* src, double* dst, size_t n) {
  const int64_t i = toDouble(src, dst, n);
  return i < 0 ? Status::ok() : make(Status::Overflow, i);
}

/** Mirrors the lower triangle of a row-major n×n matrix into its upper triangle (tiled). */
template <typename T>
void mirrorLower(T* c, int n) {
  const int B = 64;
  for (int i0 = 0; i0 < n; i0 += B)
    for (int j0 = 0; j0 <= i0; j0 += B)
      for (int i = i0; i < std::min(n, i0 + B); i++)
        for (int j = j0; j < std::min(i, j0 + B); j++) c[static_cast<size_t>(j) * n + i] = c[static_cast<size_t>(i) * n + j];
}

/** In-place transpose of a square row-major n×n matrix (tiled). */
void transposeSquare(double* v, int n) {
  const int B = 64;
  for (int i0 = 0; i0 < n; i0 += B)
    for (int j0 = i0; j0 < n; j0 += B)
      for (int i = i0; i < std::min(n, i0 + B); i++)
        for (int j = std::max(j0, i + 1); j < std::min(n, j0 + B); j++)
          std::swap(v[static_cast<size_t>(i) * n + j], v[static_cast<size_t>(j) * n + i]);
}

Status zeroDiagonal(const double* t, int n) {
  for (int i = 0; i < n; i++) {
    const double d = t[static_cast<size_t>(i) * n + i];
    if (d == 0) return make(Status::Singular, i, 'T', d);
  }
  return Status::ok();
}


// ---------------------------------------------------------------------------------------------------------
// GEMM dispatch and the blocked SYRK / recursive Cholesky built on it (used when Mode::fast).

/** Threads for sftdl's own kernels: the backend's OpenBLAS thread count. */
int fastThreads() { return lastThreads > 0 ? lastThreads : std::max(1, openblas_get_num_threads()); }

/** Below this many multiply-adds (m·n·k) OpenBLAS' ?gemm is used even in fast mode (packing would dominate). */
constexpr double kFastMinWork = 24.0 * 24.0 * 24.0;

/** C = alpha·op(A)·op(B) (+ C when acc), row-major with explicit leading dimensions. */
void gemmAny(bool fast, bool tA, bool tB, int m, int n, int k, double alpha, const double* a, size_t lda,
             const double* b, size_t ldb, bool acc, double* c, size_t ldc) {
  if (fast && static_cast<double>(m) * n * k >= kFastMinWork) {
    fast::gemm(fastThreads(), tA, tB, m, n, k, alpha, a, lda, b, ldb, acc, c, ldc);
    return;
  }
  cblas_dgemm(CblasRowMajor, tA ? CblasTrans : CblasNoTrans, tB ? CblasTrans : CblasNoTrans, m, n, k, alpha, a,
              static_cast<int>(lda), b, static_cast<int>(ldb), acc ? 1.0 : 0.0, c, static_cast<int>(ldc));
}
void gemmAny(bool fast, bool tA, bool tB, int m, int n, int k, float alpha, const float* a, size_t lda,
             const float* b, size_t ldb, bool acc, float* c, size_t ldc) {
  if (fast && static_cast<double>(m) * n * k >= kFastMinWork) {
    fast::gemm(fastThreads(), tA, tB, m, n, k, alpha, a, lda, b, ldb, acc, c, ldc);
    return;
  }
  cblas_sgemm(CblasRowMajor, tA ? CblasTrans : CblasNoTrans, tB ? CblasTrans : CblasNoTrans, m, n, k, alpha, a,
              static_cast<int>(lda), b, static_cast<int>(ldb), acc ? 1.0f : 0.0f, c, static_cast<int>(ldc));
}

/** Rows per block of the blocked SYRK: the diagonal blocks are computed whole (nb/n extra work). */
constexpr int kSyrkBlock = 192;

/**
 * Lower triangle (and some of the upper, inside the diagonal blocks) of C = alpha·A·Aᵀ (trans=false, A n×k)
 * or alpha·Aᵀ·A (trans=true, A k×n) through GEMMs on row blocks. The caller mirrors the lower triangle up.
 */
template <typename T>
void syrkBlocked(bool trans, int n, int k, T alpha, const T* a, T* c) {
  for (int i0 = 0; i0 < n; i0 += kSyrkBlock) {
    const int i1 = std::min(n, i0 + kSyrkBlock);
    if (!trans)
      gemmAny(true, false, true, i1 - i0, i1, k, alpha, a + static_cast<size_t>(i0) * k, k, a, k, false,
              c + static_cast<size_t>(i0) * n, n);
    else
      gemmAny(true, true, false, i1 - i0, i1, k, alpha, a + i0, n, a, n, false, c + static_cast<size_t>(i0) * n, n);
  }
}

/** Block size at which the recursive Cholesky and triangular solve hand over to LAPACK/BLAS. */
constexpr int kLeaf = 96;

/** Splits a size for the recursion: about half, rounded to a multiple of 32 (the GEMM tiles). */
int splitPoint(int n) { return std::max(32, (n / 2 + 16) / 32 * 32); }

lapack_int potrfLeaf(double* a, int n, size_t ld) {
  return LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', n, a, static_cast<lapack_int>(ld));
}
lapack_int potrfLeaf(float* a, int n, size_t ld) {
  return LAPACKE_spotrf_work(LAPACK_COL_MAJOR, 'U', n, a, static_cast<lapack_int>(ld));
}
void trsmLeaf(int m, int p, const double* l, size_t ld, double* x, size_t ldx) {
  cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, m, p, 1.0, l, static_cast<int>(ld), x,
              static_cast<int>(ldx));
}
void trsmLeaf(int m, int p, const float* l, size_t ld, float* x, size_t ldx) {
  cblas_strsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, m, p, 1.0f, l, static_cast<int>(ld), x,
              static_cast<int>(ldx));
}

/** X := X·L⁻ᵀ for X m×p and L p×p lower triangular (row-major, leading dimensions ld / ldx), recursively. */
template <typename T>
void trsmRightLowerTrans(int m, int p, const T* l, size_t ld, T* x, size_t ldx) {
  if (p <= kLeaf) {
    trsmLeaf(m, p, l, ld, x, ldx);
    return;
  }
  const int p1 = splitPoint(p);
  trsmRightLowerTrans(m, p1, l, ld, x, ldx);
  // X₂ −= X₁·L₂₁ᵀ with L₂₁ = L[p1:p, 0:p1]
  gemmAny(true, false, true, m, p - p1, p1, T(-1), x, ldx, l + static_cast<size_t>(p1) * ld, ld, true, x + p1, ldx);
  trsmRightLowerTrans(m, p - p1, l + static_cast<size_t>(p1) * ld + p1, ld, x + p1, ldx);
}

/**
 * In-place Cholesky of the row-major lower triangle of the n×n block at `a` (leading dimension ld):
 * L₁₁ = chol(A₁₁), L₂₁ = A₂₁·L₁₁⁻ᵀ, A₂₂ −= L₂₁·L₂₁ᵀ, L₂₂ = chol(A₂₂). Returns 0 or LAPACK's info convention:
 * the 1-based order of the first leading minor that is not positive definite (the failing pivot's Schur
 * complement is left on the diagonal). The strict upper triangle is scratch: the caller zeroes it.
 */
template <typename T>
lapack_int cholRecursive(T* a, int n, size_t ld) {
  if (n <= kLeaf) return potrfLeaf(a, n, ld);
  const int n1 = splitPoint(n), n2 = n - n1;
  lapack_int info = cholRecursive(a, n1, ld);
  if (info != 0) return info;
  T* a21 = a + static_cast<size_t>(n1) * ld;
  T* a22 = a21 + n1;
  trsmRightLowerTrans(n2, n1, a, ld, a21, ld);
  for (int i0 = 0; i0 < n2; i0 += kSyrkBlock) {  // lower block rows of A₂₂ −= L₂₁·L₂₁ᵀ
    const int i1 = std::min(n2, i0 + kSyrkBlock);
    gemmAny(true, false, true, i1 - i0, i1, n1, T(-1), a21 + static_cast<size_t>(i0) * ld, ld, a21, ld, true,
            a22 + static_cast<size_t>(i0) * ld, ld);
  }
  info = cholRecursive(a22, n2, ld);
  return info > 0 ? info + n1 : info;
}

/** LAPACK-style Cholesky of the row-major lower triangle in `a` (n×n), by OpenBLAS or by the recursion above. */
template <typename T>
lapack_int choleskyInPlace(bool fast, T* a, int n) {
  lapack_int info;
  if (fast && n > kLeaf) {
    info = cholRecursive(a, n, static_cast<size_t>(n));
    for (int i = 0; i < n; i++) std::fill(a + static_cast<size_t>(i) * n + i + 1, a + static_cast<size_t>(i + 1) * n, T(0));
  } else {
    info = potrfLeaf(a, n, static_cast<size_t>(n));
  }
  return info;
}

}  // namespace

bool fastUsable() { return fast::avx512Usable(); }

bool fastPreferred() {
  if (!fast::avx512Usable()) return false;
  // OpenBLAS core types that come with AVX-512 GEMM kernels of their own.
  const std::string core = openblas_get_corename();
  for (const char* own : {"SkylakeX", "Cooperlake", "CooperLake", "SapphireRapids"})
    if (core == own) return false;
  return true;
}


void useThreads(int threads) {
  if (threads > 0 && threads != lastThreads) {
    openblas_set_num_threads(threads);
    lastThreads = threads;
  }
}
int currentThreads() { return openblas_get_num_threads(); }
std::string coreName() { return openblas_get_corename(); }
std::string config() { return openblas_get_config(); }
int parallelMode() { return openblas_get_parallel(); }

Status gemm(Mode mode, bool transA, bool transB, int m, int n, int k, double alpha, const double* a,
            const double* b, double* c) {
  const bool f32 = mode.f32;
  const size_t sa = static_cast<size_t>(m) * k, sb = static_cast<size_t>(k) * n, sc = static_cast<size_t>(m) * n;
  const int lda = std::max(1, transA ? m : k), ldb = std::max(1, transB ? k : n), ldc = std::max(1, n);
  if (sc == 0) return Status::ok();
  if (mode.fast && static_cast<double>(m) * n * k >= kFastMinWork) {
    // NaN/Inf (and, in float32, range) checks happen while the kernels pack A and B and store C; the scans below,
    // which find the exact entry for the error message, run only when a problem was seen.
    // The output was just allocated by JavaScript and is still untouched: huge pages make faulting it in cheaper.
    if (sc * sizeof(double) >= (static_cast<size_t>(8) << 20)) fast::adviseHugePages(c, sc * sizeof(double));
    const unsigned flags =
        f32 ? fast::gemmF32(fastThreads(), transA, transB, m, n, k, static_cast<float>(alpha), a, lda, b, ldb, false, c, ldc)
            : fast::gemm(fastThreads(), transA, transB, m, n, k, alpha, a, lda, b, ldb, false, c, ldc);
    if (flags == 0) return Status::ok();
    Status s = f32 ? checkFloatInput('A', a, sa) : checkInput('A', a, sa);
    if (s.kind == Status::Ok) s = f32 ? checkFloatInput('B', b, sb) : checkInput('B', b, sb);
    if (s.kind == Status::Ok) s = checkOutput(c, sc);
    return s;
  }
  if (!f32) {
    Status s = checkInput('A', a, sa);
    if (s.kind == Status::Ok) s = checkInput('B', b, sb);
    if (s.kind != Status::Ok) return s;
    if (k == 0) {
      std::fill(c, c + sc, 0.0);
      return Status::ok();
    }
    gemmAny(mode.fast, transA, transB, m, n, k, alpha, a, lda, b, ldb, false, c, ldc);
    return checkOutput(c, sc);
  }
  Floats fa(0, sa), fb(1, sb), fc(2, sc);
  Status s = toFloatInput('A', a, fa.get(), sa);
  if (s.kind == Status::Ok) s = toFloatInput('B', b, fb.get(), sb);
  if (s.kind != Status::Ok) return s;
  if (k == 0) {
    std::fill(c, c + sc, 0.0);
    return Status::ok();
  }
  gemmAny(mode.fast, transA, transB, m, n, k, static_cast<float>(alpha), fa.get(), lda, fb.get(), ldb, false, fc.get(), ldc);
  return fromFloatOutput(fc.get(), c, sc);
}

Status syrk(Mode mode, bool trans, int n, int k, double alpha, const double* a, double* c) {
  const bool f32 = mode.f32;
  const size_t sa = static_cast<size_t>(n) * k, sc = static_cast<size_t>(n) * n;
  const int lda = std::max(1, trans ? n : k);
  const CBLAS_TRANSPOSE t = trans ? CblasTrans : CblasNoTrans;
  if (sc == 0) return Status::ok();
  if (!f32) {
    Status s = checkInput('A', a, sa);
    if (s.kind != Status::Ok) return s;
    if (mode.fast && k > 0 && static_cast<double>(n) * n * k >= 2 * kFastMinWork) {
      syrkBlocked(trans, n, k, alpha, a, c);
    } else {
      std::fill(c, c + sc, 0.0);
      if (k > 0) cblas_dsyrk(CblasRowMajor, CblasLower, t, n, k, alpha, a, lda, 0.0, c, n);
    }
    mirrorLower(c, n);
    return checkOutput(c, sc);
  }
  Floats fa(0, sa), fc(2, sc);
  Status s = toFloatInput('A', a, fa.get(), sa);
  if (s.kind != Status::Ok) return s;
  if (mode.fast && k > 0 && static_cast<double>(n) * n * k >= 2 * kFastMinWork) {
    syrkBlocked(trans, n, k, static_cast<float>(alpha), fa.get(), fc.get());
  } else {
    std::fill(fc.get(), fc.get() + sc, 0.0f);
    if (k > 0) cblas_ssyrk(CblasRowMajor, CblasLower, t, n, k, static_cast<float>(alpha), fa.get(), lda, 0.0f, fc.get(), n);
  }
  mirrorLower(fc.get(), n);
  return fromFloatOutput(fc.get(), c, sc);
}

Status potrf(Mode mode, int n, double jitter, const double* a, double* l) {
  const bool f32 = mode.f32;
  const size_t sn = static_cast<size_t>(n);
  if (n == 0) return Status::ok();
  Status s = checkInput('A', a, sn * sn);
  if (s.kind != Status::Ok) return s;
  lapack_int info;
  double pivotValue = 0;  // OpenBLAS' unblocked step leaves the failing pivot's Schur complement in place
  if (!f32) {
    // Row-major lower of A (+ jitter on the diagonal) = column-major upper; the rest is zeroed.
    for (size_t i = 0; i < sn; i++) {
      const double* ai = a + i * sn;
      double* li = l + i * sn;
      std::memcpy(li, ai, (i + 1) * sizeof(double));
      li[i] += jitter;
      std::fill(li + i + 1, li + sn, 0.0);
    }
    info = choleskyInPlace(mode.fast, l, n);
    if (info > 0) pivotValue = l[static_cast<size_t>(info - 1) * (sn + 1)];
  } else {
    Floats fl(0, sn * sn);
    for (size_t i = 0; i < sn; i++) {
      float* fi = fl.get() + i * sn;
      for (size_t j = 0; j < i; j++) fi[j] = static_cast<float>(a[i * sn + j]);
      fi[i] = static_cast<float>(a[i * sn + i] + jitter);
      std::fill(fi + i + 1, fi + sn, 0.0f);
      for (size_t j = 0; j <= i; j++)
        if (bad32(fi[j])) return make(Status::Float32Range, static_cast<int64_t>(i * sn + j), 'A', a[i * sn + j]);
    }
    info = choleskyInPlace(mode.fast, fl.get(), n);
    if (info == 0) return fromFloatOutput(fl.get(), l, sn * sn);
    if (info > 0) pivotValue = fl[static_cast<size_t>(info - 1) * (sn + 1)];
  }
  if (info > 0) return make(Status::NotPD, info - 1, 'A', pivotValue);
  if (info < 0) return make(Status::LapackArg, -info);
  return Status::ok();
}

Status trsm(Mode mode, bool lower, bool trans, int n, int m, const double* t, const double* b, double* x) {
  const bool f32 = mode.f32;
  const size_t st = static_cast<size_t>(n) * n, sb = static_cast<size_t>(n) * m;
  if (sb == 0) return Status::ok();
  const CBLAS_UPLO uplo = lower ? CblasLower : CblasUpper;
  const CBLAS_TRANSPOSE tr = trans ? CblasTrans : CblasNoTrans;
  Status s = checkInput('T', t, st);
  if (s.kind == Status::Ok) s = checkInput('B', b, sb);
  if (s.kind == Status::Ok) s = zeroDiagonal(t, n);
  if (s.kind != Status::Ok) return s;
  if (!f32) {
    std::memcpy(x, b, sb * sizeof(double));
    if (m == 1) cblas_dtrsv(CblasRowMajor, uplo, tr, CblasNonUnit, n, t, n, x, 1);
    else cblas_dtrsm(CblasRowMajor, CblasLeft, uplo, tr, CblasNonUnit, n, m, 1.0, t, n, x, m);
    return checkOutput(x, sb);
  }
  Floats ft(0, st), fx(1, sb);
  s = toFloatInput('T', t, ft.get(), st);
  if (s.kind == Status::Ok) s = toFloatInput('B', b, fx.get(), sb);
  if (s.kind != Status::Ok) return s;
  if (m == 1) cblas_strsv(CblasRowMajor, uplo, tr, CblasNonUnit, n, ft.get(), n, fx.get(), 1);
  else cblas_strsm(CblasRowMajor, CblasLeft, uplo, tr, CblasNonUnit, n, m, 1.0f, ft.get(), n, fx.get(), m);
  return fromFloatOutput(fx.get(), x, sb);
}

Status potrs(Mode mode, int n, int m, const double* l, const double* b, double* x) {
  const bool f32 = mode.f32;
  const size_t st = static_cast<size_t>(n) * n, sb = static_cast<size_t>(n) * m;
  if (sb == 0) return Status::ok();
  Status s = checkInput('L', l, st);
  if (s.kind == Status::Ok) s = checkInput('B', b, sb);
  if (s.kind == Status::Ok) s = zeroDiagonal(l, n);
  if (s.kind != Status::Ok) {
    if (s.kind == Status::Singular) s.arg = 'L';
    return s;
  }
  if (!f32) {
    std::memcpy(x, b, sb * sizeof(double));
    if (m == 1) {
      cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, n, l, n, x, 1);
      cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, n, l, n, x, 1);
    } else {
      cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, n, m, 1.0, l, n, x, m);
      cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, n, m, 1.0, l, n, x, m);
    }
    return checkOutput(x, sb);
  }
  Floats fl(0, st), fx(1, sb);
  s = toFloatInput('L', l, fl.get(), st);
  if (s.kind == Status::Ok) s = toFloatInput('B', b, fx.get(), sb);
  if (s.kind != Status::Ok) return s;
  if (m == 1) {
    cblas_strsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, n, fl.get(), n, fx.get(), 1);
    cblas_strsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, n, fl.get(), n, fx.get(), 1);
  } else {
    cblas_strsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, n, m, 1.0f, fl.get(), n, fx.get(), m);
    cblas_strsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, n, m, 1.0f, fl.get(), n, fx.get(), m);
  }
  return fromFloatOutput(fx.get(), x, sb);
}

Status logdet(Mode mode, int n, const double* l, double* out) {
  const bool f32 = mode.f32;
  double sum = 0;
  for (int i = 0; i < n; i++) {
    double d = l[static_cast<size_t>(i) * n + i];
    if (f32) d = static_cast<float>(d);
    if (!(d > 0) || bad64(d)) return make(Status::Singular, i, 'L', d);
    sum += std::log(d);
  }
  *out = 2 * sum;
  return Status::ok();
}

Status syevd(Mode mode, int n, const double* a, double* w, double* v) {
  const bool f32 = mode.f32;
  const size_t sn = static_cast<size_t>(n), st = sn * sn;
  if (n == 0) return Status::ok();
  Status s = checkInput('A', a, st);
  if (s.kind != Status::Ok) return s;
  lapack_int info, liwork;
  if (!f32) {
    std::memcpy(v, a, st * sizeof(double));
    double lworkq = 0;
    lapack_int liworkq = 0;
    info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'U', n, v, n, w, &lworkq, -1, &liworkq, -1);
    if (info < 0) return make(Status::LapackArg, -info);
    const lapack_int lwork = static_cast<lapack_int>(lworkq);
    liwork = liworkq;
    std::unique_ptr<double[]> work(new double[std::max<lapack_int>(1, lwork)]);
    std::unique_ptr<lapack_int[]> iwork(new lapack_int[std::max<lapack_int>(1, liwork)]);
    info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'U', n, v, n, w, work.get(), lwork, iwork.get(), liwork);
    if (info == 0) transposeSquare(v, n);  // column-major V (eigenvector k = row k) -> row-major columns
  } else {
    Floats fa(0, st), fw(1, sn);
    for (size_t i = 0; i < sn; i++)  // lower triangle only is read
      for (size_t j = 0; j <= i; j++) {
        const float x = static_cast<float>(a[i * sn + j]);
        if (bad32(x)) return make(Status::Float32Range, static_cast<int64_t>(i * sn + j), 'A', a[i * sn + j]);
        fa[i * sn + j] = x;
      }
    float lworkq = 0;
    lapack_int liworkq = 0;
    info = LAPACKE_ssyevd_work(LAPACK_COL_MAJOR, 'V', 'U', n, fa.get(), n, fw.get(), &lworkq, -1, &liworkq, -1);
    if (info < 0) return make(Status::LapackArg, -info);
    // A float workspace size can round down: take at least LAPACK's documented minimum 1 + 6n + 2n².
    const lapack_int lwork = std::max<lapack_int>(static_cast<lapack_int>(lworkq), 1 + 6 * n + 2 * n * n);
    liwork = liworkq;
    std::unique_ptr<float[]> work(new float[lwork]);
    std::unique_ptr<lapack_int[]> iwork(new lapack_int[std::max<lapack_int>(1, liwork)]);
    info = LAPACKE_ssyevd_work(LAPACK_COL_MAJOR, 'V', 'U', n, fa.get(), n, fw.get(), work.get(), lwork, iwork.get(), liwork);
    if (info == 0) {
      for (size_t k = 0; k < sn; k++) w[k] = fw[k];
      for (size_t k = 0; k < sn; k++)  // column-major V: vector k is fa[k*n .. k*n+n)
        for (size_t i = 0; i < sn; i++) v[i * sn + k] = fa[k * sn + i];
      s = checkOutput(v, st);
      if (s.kind == Status::Ok) s = checkOutput(w, sn);
      return s;
    }
  }
  if (info > 0) return make(Status::NoConvergence, info);
  if (info < 0) return make(Status::LapackArg, -info);
  return checkOutput(w, sn);
}

// ---------------------------------------------------------------------------------------------------------
// The fused two-layer batch (see kernels.h).

namespace {

template <typename T>
struct TwoLayerScratch {
  std::vector<T> x, w, h, g;
  std::vector<double> res;
};

template <typename T>
TwoLayerScratch<T>& twoLayerScratch() {
  thread_local TwoLayerScratch<T> s;
  return s;
}

/** Grows v to n entries (keeps it when large enough; big buffers get the huge-page hint when they are made). */
template <typename T>
T* ensure(std::vector<T>& v, size_t n) {
  if (v.size() < n) {
    v.clear();
    v.shrink_to_fit();
    v.resize(n);
    if (n * sizeof(T) >= (static_cast<size_t>(8) << 20)) fast::adviseHugePages(v.data(), n * sizeof(T));
  }
  return v.data();
}

/**
 * C = op(A)·op(B) the way `gemm` runs it for this mode (sftdl's kernels above kFastMinWork, else OpenBLAS). Returns
 * sftdl's kernels' NaN/Inf flags; after OpenBLAS, C is scanned only when `scan` (the caller checks what follows
 * from C instead when a full pass over it would cost too much).
 */
template <typename T>
unsigned gemmFlags(bool fast, bool tA, bool tB, int m, int n, int k, const T* a, size_t lda, const T* b, size_t ldb,
                   T* c, size_t ldc, bool scan) {
  if (fast && static_cast<double>(m) * n * k >= kFastMinWork)
    return fast::gemm(fastThreads(), tA, tB, m, n, k, T(1), a, lda, b, ldb, false, c, ldc);
  gemmAny(false, tA, tB, m, n, k, T(1), a, lda, b, ldb, false, c, ldc);
  if (scan)
    for (size_t i = 0, e = static_cast<size_t>(m) * n; i < e; i++)
      if (!std::isfinite(c[i])) return fast::kBadOutput;
  return 0;
}

/** dst = src rounded to T, reporting the first NaN/Inf or float32 overflow as input `arg`. */
Status load(char arg, const double* src, float* dst, size_t n) { return toFloatInput(arg, src, dst, n); }
Status load(char arg, const double* src, double* dst, size_t n) {
  std::copy(src, src + n, dst);
  return checkInput(arg, src, n);
}

template <typename T>
Status twoLayerRun(Mode mode, const TwoLayerArgs& a) {
  const size_t n = a.n, d = a.d, N = a.N, C = a.C, CN = C * N, Nd = N * d;
  TwoLayerScratch<T>& s = twoLayerScratch<T>();
  // X: rounded into the scratch buffer in float32; used in place in float64 (only checked)
  const T* X;
  Status st;
  if constexpr (sizeof(T) == 4) {
    float* x32 = ensure(s.x, n * d);
    st = load('X', a.x, x32, n * d);
    X = x32;
  } else {
    st = checkInput('X', a.x, n * d);
    X = a.x;
  }
  T* W = ensure(s.w, CN * d);
  T* H = ensure(s.h, n * CN);
  T* G = ensure(s.g, CN * d);
  double* res = ensure(s.res, n);
  for (size_t c = 0; c < C && st.kind == Status::Ok; c++) {
    st = load('W', a.params[c], W + c * Nd, Nd);
    if (st.kind != Status::Ok) st.index += static_cast<int64_t>(c * Nd);
  }
  if (st.kind != Status::Ok) return st;
  // H = X·Wᵀ ([n, d]·[C·N, d]ᵀ)
  // (an overflow in H shows in the losses below: NaN propagates through every activation, ±Inf through the unbounded
  // ones; the bounded ones saturate at their finite limits, as they would at any large finite value)
  if (gemmFlags<T>(mode.fast, false, true, a.n, static_cast<int>(CN), a.d, X, d, W, d, H, CN, false))
    return make(Status::Overflow, -1, 'H');
  // φ, φ′, prediction, residual, readout gradient and the signal D (over H) per network
  for (size_t c = 0; c < C; c++) {
    ReadoutArgs r;
    r.n = n;
    r.width = N;
    r.outputs = 1;
    r.stride = CN;
    r.phi = r.dphi = nullptr;
    r.a = a.params[c] + Nd;
    r.y = a.y;
    r.pred = a.preds[c];
    r.res = res;
    r.grad = a.grads[c] + Nd;
    r.delta = nullptr;
    r.maxIsa = 2;
    r.threads = a.threads;
    r.kind = a.kind;
    r.table = a.table;
    if constexpr (sizeof(T) == 4) {
      r.h32 = reinterpret_cast<const float*>(H) + c * N;
      r.delta32 = reinterpret_cast<float*>(H) + c * N;
    } else {
      r.h = reinterpret_cast<const double*>(H) + c * N;
      r.delta = reinterpret_cast<double*>(H) + c * N;
    }
    a.losses[c] = readout(r);
    if (!std::isfinite(a.losses[c])) return make(Status::Overflow, -1, 'H');
  }
  // G = Dᵀ·X ([n, C·N]ᵀ·[n, d]), then each network's block widened into its gradient
  if (gemmFlags<T>(mode.fast, true, false, static_cast<int>(CN), a.d, a.n, H, CN, X, d, G, d, true))
    return make(Status::Overflow, -1, 'D');
  for (size_t c = 0; c < C; c++) {
    const T* src = G + c * Nd;
    double* dst = a.grads[c];
    for (size_t i = 0; i < Nd; i++) dst[i] = src[i];
  }
  return Status::ok();
}

}  // namespace

namespace {
template <typename T>
double gemmSecondsT(Mode mode, bool tA, bool tB, int m, int n, int k, int reps) {
  const size_t sa = static_cast<size_t>(m) * k, sb = static_cast<size_t>(k) * n, sc = static_cast<size_t>(m) * n;
  std::vector<T> a(sa), b(sb), c(sc);
  for (size_t i = 0; i < sa; i++) a[i] = static_cast<T>(static_cast<double>((i * 7919) % 1000) / 1000 - 0.5);
  for (size_t i = 0; i < sb; i++) b[i] = static_cast<T>(static_cast<double>((i * 104729) % 1000) / 1000 - 0.5);
  const size_t lda = std::max(1, tA ? m : k), ldb = std::max(1, tB ? k : n);
  gemmFlags<T>(mode.fast, tA, tB, m, n, k, a.data(), lda, b.data(), ldb, c.data(), n, false);  // warm-up
  const auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; r++) gemmFlags<T>(mode.fast, tA, tB, m, n, k, a.data(), lda, b.data(), ldb, c.data(), n, false);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

double gemmSeconds(Mode mode, bool transA, bool transB, int m, int n, int k, int reps) {
  if (m <= 0 || n <= 0 || k <= 0 || reps <= 0) return 0;
  return mode.f32 ? gemmSecondsT<float>(mode, transA, transB, m, n, k, reps)
                  : gemmSecondsT<double>(mode, transA, transB, m, n, k, reps);
}

Status twoLayerBatch(Mode mode, const TwoLayerArgs& args) {
  if (args.n <= 0 || args.C <= 0 || args.N <= 0 || args.d <= 0) return Status::ok();
  return mode.f32 ? twoLayerRun<float>(mode, args) : twoLayerRun<double>(mode, args);
}

}  // namespace sftdl
