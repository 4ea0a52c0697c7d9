// sftdl's own AVX-512 GEMM (Goto/BLIS-style packing + register-blocked micro-kernel), used in place of
// OpenBLAS' ?gemm when the OpenBLAS build at hand does not have AVX-512 kernels for this CPU.
//
// Why it exists: Debian bookworm ships OpenBLAS 0.3.21, whose run-time CPU detection predates newer Xeons
// (e.g. family 6 model 207, Emerald Rapids) and falls back to its generic "Prescott" SSE3 kernels, a 4-5×
// slowdown on GEMM. Forcing a core type through OPENBLAS_CORETYPE is a process-global environment hack we
// do not want to depend on, so the backend carries its own kernel and selects it at run time from the CPU's
// feature flags (see `avx512Usable`). Everything else (LAPACK, triangular solves) still comes from OpenBLAS.
//
// Conventions: row-major, C (m×n, leading dimension ldc) = alpha·op(A)·op(B) [+ C when accumulate];
// op(A) is m×k, op(B) is k×n; lda/ldb are the row strides of A and B as stored.
#pragma once

#include <cstddef>
#include <functional>

namespace sftdl {
namespace fast {

/**
 * Runs f(w, t) for w = 0..t-1 on the addon's persistent worker pool (w = 0 on the calling thread) and returns t,
 * the number of parties actually used (≤ threads: fewer when threads cannot be started or the pool is busy with
 * another caller's job, in which case t = 1). Safe to call on any CPU.
 */
int parallel(int threads, const std::function<void(int, int)>& f);

/**
 * Hints the OS to back the 2 MiB-aligned interior of [p, p + bytes) with huge pages (Linux madvise MADV_HUGEPAGE;
 * a no-op elsewhere). For a freshly allocated, not yet touched output this halves the cost of faulting it in
 * (NumPy does the same for its arrays). Never changes contents.
 */
void adviseHugePages(void* p, size_t bytes);

/** True when this CPU and OS support AVX-512F and -DQ (ZMM state enabled), so the kernels below may run. */
bool avx512Usable();

/** Bits of the value returned by the GEMMs below. */
constexpr unsigned kBadInput = 1;   // an entry of A or B is NaN/±Inf (gemmF32: or beyond the float32 range)
constexpr unsigned kBadOutput = 2;  // an entry written to C is NaN/±Inf

/**
 * C = alpha·op(A)·op(B) (+ C if accumulate), split over up to `threads` threads (fewer for small problems).
 * Must only be called when avx512Usable(). Returns kBadInput/kBadOutput bits (found while packing and storing, at
 * no extra pass over memory; the caller locates the entry with a scan only when a bit is set). Throws
 * std::bad_alloc when the packing buffers cannot be allocated (before any thread starts or C is touched).
 */
unsigned gemm(int threads, bool transA, bool transB, int m, int n, int k, double alpha, const double* a, size_t lda,
              const double* b, size_t ldb, bool accumulate, double* c, size_t ldc);
unsigned gemm(int threads, bool transA, bool transB, int m, int n, int k, float alpha, const float* a, size_t lda,
              const float* b, size_t ldb, bool accumulate, float* c, size_t ldc);

/**
 * float32 GEMM on float64 matrices: A and B are rounded to float32 while they are packed, the products and sums
 * run in float32, and C receives the float32 results widened to float64 (with accumulate, C is rounded to float32
 * before the addition). Saves the separate conversion passes of a float32 call with float64 buffers.
 */
unsigned gemmF32(int threads, bool transA, bool transB, int m, int n, int k, float alpha, const double* a, size_t lda,
                 const double* b, size_t ldb, bool accumulate, double* c, size_t ldc);

}  // namespace fast
}  // namespace sftdl
