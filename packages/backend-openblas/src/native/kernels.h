// Dense kernels on OpenBLAS/LAPACKE for the sftdl openblas backend (no N-API in here).
//
// Conventions: every matrix at the boundary is a row-major float64 buffer. Float64 kernels call
// BLAS/LAPACK on the caller's buffers directly (no copies beyond the one that makes the output);
// float32 kernels convert once into a float buffer, run the s-routine, and convert back.
// LAPACK is called column-major on row-major data: a row-major symmetric matrix read as
// column-major is the same matrix, and its row-major lower triangle is the column-major upper one,
// so potrf('U') on the buffer leaves the row-major lower Cholesky factor L in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace sftdl {

/** Outcome of a kernel. `Ok` or the first problem found. */
struct Status {
  enum Kind {
    Ok = 0,
    NonFinite,      // input `arg` has NaN/Inf at `index`
    Float32Range,   // input `arg` at `index` is finite but overflows float32
    Singular,       // triangular factor has a zero (or, for logdet, non-positive) diagonal at `index`
    NotPD,          // potrf: leading minor of order index+1 is not positive definite
    NoConvergence,  // syevd: info > 0
    Overflow,       // output has a non-finite entry at `index` (inputs were finite)
    LapackArg,      // LAPACK reported an illegal argument (info < 0); `index` = -info
  } kind = Ok;
  char arg = 0;        // 'A', 'B', 'T', 'L'
  int64_t index = -1;  // element / pivot index, meaning depends on kind
  double value = 0;    // extra number (e.g. the failing pivot value when known)
  static Status ok() { return {}; }
};

/**
 * How a call runs: `f32` selects the s-routines (inputs rounded once to float32); `fast` routes GEMM, SYRK and the
 * Cholesky factorisation's bulk through sftdl's AVX-512 kernels (fastgemm.h) instead of OpenBLAS' ?gemm/?syrk/?potrf.
 */
struct Mode {
  bool f32 = false;
  bool fast = false;
};

/** True when sftdl's AVX-512 kernels can run on this CPU. */
bool fastUsable();
/**
 * The default for Mode::fast: AVX-512 usable and OpenBLAS' run-time core type has no AVX-512 kernels of its own
 * (its CPU detection does not know this processor, or the build lacks them), so ours are the faster GEMM.
 */
bool fastPreferred();

/** Sets OpenBLAS' thread count if it differs from the last one set (the setting is process-wide). */
void useThreads(int threads);
int currentThreads();
std::string coreName();
std::string config();
int parallelMode();

/** C = alpha · op(A) · op(B); op(A) is m×k, op(B) is k×n; C (m×n) is fully overwritten. */
Status gemm(Mode mode, bool transA, bool transB, int m, int n, int k, double alpha, const double* a,
            const double* b, double* c);
/** C = alpha · A·Aᵀ (trans=false, A is n×k) or alpha · Aᵀ·A (trans=true, A is k×n); C is n×n, exactly symmetric. */
Status syrk(Mode mode, bool trans, int n, int k, double alpha, const double* a, double* c);
/** L (n×n, row-major lower, upper zeroed) with L·Lᵀ = A + jitter·I; only A's lower triangle is read. */
Status potrf(Mode mode, int n, double jitter, const double* a, double* l);
/** X (n×m) solving op(T)·X = B, T n×n triangular. */
Status trsm(Mode mode, bool lower, bool trans, int n, int m, const double* t, const double* b, double* x);
/** X (n×m) solving L·Lᵀ·X = B (the two triangular solves of ?potrs, on row-major B). */
Status potrs(Mode mode, int n, int m, const double* l, const double* b, double* x);
/** 2·Σ log L_ii (summed in double). */
Status logdet(Mode mode, int n, const double* l, double* out);
/** A = V·diag(w)·Vᵀ (lower triangle of A read); w ascending, V row-major with eigenvectors as columns. */
Status syevd(Mode mode, int n, const double* a, double* w, double* v);

/**
 * Arguments of `twoLayerBatch`: C two-layer networks f = φ(X·Wᵀ)·a with one output, parameters θ = (W row-major
 * [N, d], then a [N]) per network.
 */
struct TwoLayerArgs {
  int n = 0, d = 0, N = 0, C = 0;
  const double* x = nullptr;        // [n, d]
  const double* y = nullptr;        // [n]
  const double* const* params = nullptr;  // C pointers to θ (N·d + N entries)
  double* const* grads = nullptr;   // C pointers: ∇θ of ½Σ(f − y)² (overwritten)
  double* const* preds = nullptr;   // C pointers to f ([n], overwritten)
  double* losses = nullptr;         // [C]: ½Σ(f − y)²
  int kind = 0;                     // activation code (elementwise.h)
  const double* table = nullptr;    // fast-erf table
  int threads = 1;
};

/**
 * The batched loss and gradient of C two-layer networks in one call, with the arithmetic of the backend's separate
 * calls (H = X·[W₁…W_C]ᵀ by gemm, the fused readout per network, G = Dᵀ·X by gemm) and therefore the same values:
 * float32 mode keeps X, W, H, D and G in float32 buffers (the separate calls round them to float32 while packing
 * anyway), which halves the memory traffic; the buffers are kept per thread between calls (no allocation per step
 * once the sizes are known). Status NonFinite ('X' or 'W' input), Float32Range, or Overflow (a product or signal
 * left the finite range).
 */
Status twoLayerBatch(Mode mode, const TwoLayerArgs& args);

/**
 * Wall seconds of `reps` products C = op(A)·op(B) (m×n, depth k) on internal buffers of this mode's type (float32 or
 * float64, filled with small values), through the same path as twoLayerBatch's products: the GEMM rate a float32 step
 * can reach, without the float64 conversions of a `gemm` call. For benchmarks.
 */
double gemmSeconds(Mode mode, bool transA, bool transB, int m, int n, int k, int reps);

}  // namespace sftdl
