#include "fastgemm.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define SFTDL_X86 1
#endif

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <system_error>
#include <thread>
#include <vector>

#ifdef __linux__
#include <sys/mman.h>
#endif

// Only the micro-kernels carry the AVX-512 target attribute: the packing loops and the driver are plain C++
// compiled for the baseline ISA, so no AVX-512 instruction can leak into code that runs before the CPU check
// (or into inline library functions the linker might share with other translation units).
// GCC 12 warns about the deliberately undefined lanes inside its own AVX-512 intrinsics headers (a known false
// positive); nothing in this file reads an uninitialised value.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#define SFTDL_AVX512 __attribute__((target("avx512f,avx512dq,fma"), noinline))
// Packing and the loops around the micro-kernel: compiled for AVX-512 too (they only run after the CPU check).
#define SFTDL_AVX512_LOOPS __attribute__((target("avx512f,avx512dq,fma")))
// Building blocks of the micro-kernels, inlined into them.
#define SFTDL_AVX512_INLINE __attribute__((target("avx512f,avx512dq,fma"), always_inline)) inline

namespace sftdl {
namespace fast {
namespace {

/** Spin-wait hint. */
inline void cpuRelax() {
#ifdef SFTDL_X86
  _mm_pause();
#endif
}

/** Asks the kernel for 2 MiB pages on the whole 2 MiB-aligned part of [p, p + bytes) (a hint; failures are ignored). */
void preferHugePages(void* p, size_t bytes) {
#ifdef __linux__
  constexpr uintptr_t kHuge = static_cast<uintptr_t>(2) << 20;
  const uintptr_t s = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t e = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(kHuge - 1);
  if (e > s) madvise(reinterpret_cast<void*>(s), e - s, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

#ifdef SFTDL_X86
// Block sizes. MR×NR is the register tile (MR rows of C, NR = two ZMM vectors of columns: 2·MR accumulators
// + 2 B vectors + 1 broadcast = 31 of the 32 ZMM registers for MR = 14). KC is the depth of a packed panel and
// MC the rows of a packed A block (MC×KC·8 B = 344 KiB in float64, inside the 2 MiB L2). KC = 768, MC = 56 were the
// fastest of the sweeps (KC 256–1024 × MC 56–224, float64 and float32, n = 1500–4000, 1 and 2 threads) on the 2-core
// Emerald Rapids VMs this was written on; equal-depth k blocks (e.g. 667 instead of 768 + … + 160) were slower.
// SFTDL_KC/SFTDL_MC (and _S for float32) override them at compile time for such sweeps.
// Software prefetch distances in k iterations: A (streamed from L2) off, the hardware streamer does it; B ahead by 8.
#ifndef SFTDL_PFA
#define SFTDL_PFA 0
#endif
#ifndef SFTDL_PFB
#define SFTDL_PFB 8
#endif
#ifndef SFTDL_KC
#define SFTDL_KC 768
#endif
#ifndef SFTDL_MC
#define SFTDL_MC 56
#endif
#ifndef SFTDL_KC_S
#define SFTDL_KC_S 768
#endif
#ifndef SFTDL_MC_S
#define SFTDL_MC_S 56
#endif
template <typename T>
struct Blocking;
template <>
struct Blocking<double> {
  static constexpr int MR = 14, NR = 16, KC = SFTDL_KC, MC = SFTDL_MC, NC = 4096;
};
template <>
struct Blocking<float> {
  static constexpr int MR = 14, NR = 32, KC = SFTDL_KC_S, MC = SFTDL_MC_S, NC = 4096;
};

constexpr int kMR = 14;
static_assert(Blocking<double>::MC % kMR == 0 && Blocking<float>::MC % kMR == 0, "MC must be a multiple of MR");

/** The AVX-512 operations the kernels need, for float64 (8 lanes) and float32 (16 lanes). */
template <typename T>
struct Simd;
template <>
struct Simd<double> {
  using V = __m512d;
  using M = __mmask8;
  static constexpr int W = 8;
  SFTDL_AVX512_INLINE static V zero() { return _mm512_setzero_pd(); }
  SFTDL_AVX512_INLINE static V load(const double* p) { return _mm512_load_pd(p); }
  SFTDL_AVX512_INLINE static V loadu(const double* p) { return _mm512_loadu_pd(p); }
  SFTDL_AVX512_INLINE static V loadz(M m, const double* p) { return _mm512_maskz_loadu_pd(m, p); }
  SFTDL_AVX512_INLINE static V set1(double x) { return _mm512_set1_pd(x); }
  SFTDL_AVX512_INLINE static V fmadd(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
  SFTDL_AVX512_INLINE static V mul(V a, V b) { return _mm512_mul_pd(a, b); }
  SFTDL_AVX512_INLINE static V add(V a, V b) { return _mm512_add_pd(a, b); }
  SFTDL_AVX512_INLINE static V sub(V a, V b) { return _mm512_sub_pd(a, b); }
  SFTDL_AVX512_INLINE static void storeu(double* p, V v) { _mm512_storeu_pd(p, v); }
  SFTDL_AVX512_INLINE static void store(double* p, M m, V v) { _mm512_mask_storeu_pd(p, m, v); }
  SFTDL_AVX512_INLINE static bool anyNaN(V v) { return _mm512_cmp_pd_mask(v, v, _CMP_UNORD_Q) != 0; }
};
template <>
struct Simd<float> {
  using V = __m512;
  using M = __mmask16;
  static constexpr int W = 16;
  SFTDL_AVX512_INLINE static V zero() { return _mm512_setzero_ps(); }
  SFTDL_AVX512_INLINE static V load(const float* p) { return _mm512_load_ps(p); }
  SFTDL_AVX512_INLINE static V loadu(const float* p) { return _mm512_loadu_ps(p); }
  SFTDL_AVX512_INLINE static V loadz(M m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
  SFTDL_AVX512_INLINE static V set1(float x) { return _mm512_set1_ps(x); }
  SFTDL_AVX512_INLINE static V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  SFTDL_AVX512_INLINE static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  SFTDL_AVX512_INLINE static V add(V a, V b) { return _mm512_add_ps(a, b); }
  SFTDL_AVX512_INLINE static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  SFTDL_AVX512_INLINE static void storeu(float* p, V v) { _mm512_storeu_ps(p, v); }
  SFTDL_AVX512_INLINE static void store(float* p, M m, V v) { _mm512_mask_storeu_ps(p, m, v); }
  SFTDL_AVX512_INLINE static bool anyNaN(V v) { return _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q) != 0; }
};

/** Lane mask of the first `left` lanes (all of them when left ≥ lanes, none when left ≤ 0). */
template <typename M, int W>
inline M firstLanes(int left) {
  return left >= W ? static_cast<M>(~0u) : left <= 0 ? static_cast<M>(0) : static_cast<M>((1u << left) - 1);
}

/**
 * c0[i], c1[i] = Σ_p a[p·MR + i]·b[p·NR + 0 : NR] (the two halves of the NR = 2·W columns) for a packed MR-row
 * micro-panel `a` (kc × MR, p-major) and a packed NR-column micro-panel `b` (kc × NR). The panels are
 * zero-padded, so the arithmetic is always a full tile.
 */
template <typename T>
SFTDL_AVX512_INLINE void accumulate(int kc, const T* __restrict a, const T* __restrict b, typename Simd<T>::V* c0,
                                    typename Simd<T>::V* c1) {
  using S = Simd<T>;
  constexpr int NR = 2 * S::W;
#pragma GCC unroll 14
  for (int i = 0; i < kMR; i++) {
    c0[i] = S::zero();
    c1[i] = S::zero();
  }
  for (int p = 0; p < kc; p++) {
    const typename S::V b0 = S::load(b), b1 = S::load(b + S::W);
#if SFTDL_PFA > 0
    _mm_prefetch(reinterpret_cast<const char*>(a + SFTDL_PFA * kMR), _MM_HINT_T0);
#endif
#if SFTDL_PFB > 0
    _mm_prefetch(reinterpret_cast<const char*>(b + SFTDL_PFB * NR), _MM_HINT_T0);
#endif
#pragma GCC unroll 14
    for (int i = 0; i < kMR; i++) {
      const typename S::V ai = S::set1(a[i]);
      c0[i] = S::fmadd(ai, b0, c0[i]);
      c1[i] = S::fmadd(ai, b1, c1[i]);
    }
    a += kMR;
    b += NR;
  }
}

/**
 * C[0:mr, 0:nr] = alpha·tile (+ C when acc), mr ≤ MR and nr ≤ NR clipping the store at matrix edges. Returns true
 * when a stored value is NaN or ±Inf: `probe` accumulates x − x over them, which is NaN exactly then.
 */
template <typename T>
SFTDL_AVX512_INLINE bool storeTile(const typename Simd<T>::V* c0, const typename Simd<T>::V* c1, T* __restrict c,
                                   size_t ldc, T alpha, bool acc, int mr, int nr) {
  using S = Simd<T>;
  constexpr int W = S::W;
  const typename S::V va = S::set1(alpha);
  typename S::V probe = S::zero();
  if (mr == kMR && nr == 2 * W) {
#pragma GCC unroll 14
    for (int i = 0; i < kMR; i++) {
      T* ci = c + i * ldc;
      typename S::V x0 = S::mul(va, c0[i]), x1 = S::mul(va, c1[i]);
      if (acc) {
        x0 = S::add(x0, S::loadu(ci));
        x1 = S::add(x1, S::loadu(ci + W));
      }
      S::storeu(ci, x0);
      S::storeu(ci + W, x1);
      probe = S::add(probe, S::add(S::sub(x0, x0), S::sub(x1, x1)));
    }
    return S::anyNaN(probe);
  }
  const typename S::M m0 = firstLanes<typename S::M, W>(nr), m1 = firstLanes<typename S::M, W>(nr - W);
  for (int i = 0; i < mr; i++) {
    T* ci = c + i * ldc;
    typename S::V x0 = S::mul(va, c0[i]), x1 = S::mul(va, c1[i]);
    if (acc) {
      x0 = S::add(x0, S::loadz(m0, ci));
      x1 = S::add(x1, S::loadz(m1, ci + W));
    }
    S::store(ci, m0, x0);
    S::store(ci + W, m1, x1);
    probe = S::add(probe, S::add(S::sub(x0, x0), S::sub(x1, x1)));
  }
  return S::anyNaN(probe);
}

/**
 * The micro-kernel: C[0:mr, 0:nr] = alpha·Σ_p a[p]·b[p]ᵀ (+ C when acc) on an MR × NR tile (14×16 in float64,
 * 14×32 in float32: 28 accumulators). Returns true when a stored value is NaN or ±Inf.
 */
template <typename T>
SFTDL_AVX512 bool ukr(int kc, const T* __restrict a, const T* __restrict b, T* __restrict c, size_t ldc, T alpha, bool acc,
                      int mr, int nr) {
  typename Simd<T>::V c0[kMR], c1[kMR];
  for (int i = 0; i < mr; i++) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
  accumulate(kc, a, b, c0, c1);
  return storeTile(c0, c1, c, ldc, alpha, acc, mr, nr);
}

/** Writes the float32 tile (mr ≤ MR rows × nr ≤ 32 columns) to a float64 C: C = f32(alpha·acc [+ f32(C)]). */
SFTDL_AVX512_INLINE bool storeToDouble(const __m512* c0, const __m512* c1, double* __restrict c, size_t ldc, float alpha,
                                       bool acc, int mr, int nr) {
  const __m512 va = _mm512_set1_ps(alpha);
  __m512 probe = _mm512_setzero_ps();
  __mmask8 mk[4];
  for (int g = 0; g < 4; g++) mk[g] = firstLanes<__mmask8, 8>(nr - 8 * g);
  for (int i = 0; i < mr; i++) {
    double* ci = c + i * ldc;
    __m512 x0 = _mm512_mul_ps(va, c0[i]), x1 = _mm512_mul_ps(va, c1[i]);
    if (acc) {
      // round the float64 C to float32 first, so accumulation follows float32 arithmetic
      const __m256 p0 = _mm512_cvtpd_ps(_mm512_maskz_loadu_pd(mk[0], ci));
      const __m256 p1 = _mm512_cvtpd_ps(_mm512_maskz_loadu_pd(mk[1], ci + 8));
      const __m256 p2 = _mm512_cvtpd_ps(_mm512_maskz_loadu_pd(mk[2], ci + 16));
      const __m256 p3 = _mm512_cvtpd_ps(_mm512_maskz_loadu_pd(mk[3], ci + 24));
      x0 = _mm512_add_ps(x0, _mm512_insertf32x8(_mm512_castps256_ps512(p0), p1, 1));
      x1 = _mm512_add_ps(x1, _mm512_insertf32x8(_mm512_castps256_ps512(p2), p3, 1));
    }
    _mm512_mask_storeu_pd(ci, mk[0], _mm512_cvtps_pd(_mm512_castps512_ps256(x0)));
    _mm512_mask_storeu_pd(ci + 8, mk[1], _mm512_cvtps_pd(_mm512_extractf32x8_ps(x0, 1)));
    _mm512_mask_storeu_pd(ci + 16, mk[2], _mm512_cvtps_pd(_mm512_castps512_ps256(x1)));
    _mm512_mask_storeu_pd(ci + 24, mk[3], _mm512_cvtps_pd(_mm512_extractf32x8_ps(x1, 1)));
    probe = _mm512_add_ps(probe, _mm512_add_ps(_mm512_sub_ps(x0, x0), _mm512_sub_ps(x1, x1)));
  }
  return _mm512_cmp_ps_mask(probe, probe, _CMP_UNORD_Q) != 0;
}

/** The float32 kernel writing a float64 C (float32 inputs packed from float64 matrices, see gemmF32). */
SFTDL_AVX512 bool ukr(int kc, const float* __restrict a, const float* __restrict b, double* __restrict c, size_t ldc,
                      float alpha, bool acc, int mr, int nr) {
  __m512 c0[kMR], c1[kMR];
  for (int i = 0; i < mr; i++) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16), _MM_HINT_T0);
  }
  accumulate(kc, a, b, c0, c1);
  return storeToDouble(c0, c1, c, ldc, alpha, acc, mr, nr);
}

/**
 * Packs op(A)[i0 : i0+mc, p0 : p0+kc] (elements of type S) into MR-row micro-panels of type T (p-major inside a
 * panel), zero-padding rows. Returns true when a packed value is NaN or ±Inf (for S = double, T = float: also a
 * finite double beyond the float32 range), found by accumulating v − v, which is NaN exactly for those.
 */
template <typename T, typename S>
SFTDL_AVX512_LOOPS bool packA(bool transA, const S* a, size_t lda, int i0, int mc, int p0, int kc, T* dst) {
  constexpr int MR = Blocking<T>::MR;
  T probe = 0;
  for (int ir = 0; ir < mc; ir += MR) {
    const int mr = std::min(MR, mc - ir);
    T* d = dst + static_cast<size_t>(ir) * kc;
    if (!transA) {
      if (mr == MR) {
        // MR row streams read in step, written contiguously
        const S* src[MR];
        for (int i = 0; i < MR; i++) src[i] = a + static_cast<size_t>(i0 + ir + i) * lda + p0;
        for (int p = 0; p < kc; p++) {
#pragma GCC unroll 16
          for (int i = 0; i < MR; i++) {
            const T v = static_cast<T>(src[i][p]);
            d[p * MR + i] = v;
            probe += v - v;
          }
        }
        continue;
      }
      for (int i = 0; i < mr; i++) {
        const S* src = a + static_cast<size_t>(i0 + ir + i) * lda + p0;
        for (int p = 0; p < kc; p++) {
          const T v = static_cast<T>(src[p]);
          d[p * MR + i] = v;
          probe += v - v;
        }
      }
      for (int i = mr; i < MR; i++)
        for (int p = 0; p < kc; p++) d[p * MR + i] = 0;
    } else {
      for (int p = 0; p < kc; p++) {
        const S* src = a + static_cast<size_t>(p0 + p) * lda + i0 + ir;
        T* dp = d + p * MR;
        int i = 0;
        for (; i < mr; i++) {
          const T v = static_cast<T>(src[i]);
          dp[i] = v;
          probe += v - v;
        }
        for (; i < MR; i++) dp[i] = 0;
      }
    }
  }
  return probe != probe;
}

/**
 * Packs micro-panels [jr0, jr1) (in units of NR columns) of op(B)[p0 : p0+kc, j0 : j0+nc], zero-padding columns.
 * Returns true when a packed value is NaN or ±Inf (as packA).
 */
template <typename T, typename S>
SFTDL_AVX512_LOOPS bool packB(bool transB, const S* b, size_t ldb, int p0, int kc, int j0, int nc, int jr0, int jr1,
                              T* dst) {
  constexpr int NR = Blocking<T>::NR;
  T probe = 0;
  if (!transB) {
    // Row by row of B (contiguous reads, one TLB page at a time), scattering NR-wide pieces to the panels.
    const int full = std::min(jr1, nc / NR);  // panels [jr0, full) are complete, the rest (at most one) is partial
    for (int p = 0; p < kc; p++) {
      const S* src = b + static_cast<size_t>(p0 + p) * ldb + j0;
      for (int q = jr0; q < full; q++) {
        T* dp = dst + static_cast<size_t>(q) * NR * kc + p * NR;
        const S* sp = src + q * NR;
#pragma GCC unroll 32
        for (int j = 0; j < NR; j++) {
          const T v = static_cast<T>(sp[j]);
          dp[j] = v;
          probe += v - v;
        }
      }
      for (int q = std::max(jr0, full); q < jr1; q++) {
        const int nr = std::min(NR, nc - q * NR);
        T* dp = dst + static_cast<size_t>(q) * NR * kc + p * NR;
        const S* sp = src + q * NR;
        int j = 0;
        for (; j < nr; j++) {
          const T v = static_cast<T>(sp[j]);
          dp[j] = v;
          probe += v - v;
        }
        for (; j < NR; j++) dp[j] = 0;
      }
    }
    return probe != probe;
  }
  for (int q = jr0; q < jr1; q++) {
    const int jr = q * NR;
    const int nr = std::min(NR, nc - jr);
    T* d = dst + static_cast<size_t>(jr) * kc;
    for (int j = 0; j < nr; j++) {
      const S* src = b + static_cast<size_t>(j0 + jr + j) * ldb + p0;
      for (int p = 0; p < kc; p++) {
        const T v = static_cast<T>(src[p]);
        d[p * NR + j] = v;
        probe += v - v;
      }
    }
    for (int j = nr; j < NR; j++)
      for (int p = 0; p < kc; p++) d[p * NR + j] = 0;
  }
  return probe != probe;
}

/**
 * Packing buffers of one gemm call. They are kept per calling thread between calls (up to kKeep bytes each, in
 * kSlots slots: the B panel and the first A blocks), because a fresh multi-megabyte buffer costs a page fault per
 * page on first touch; larger or further buffers live for the call only. Buffers of 2 MiB and more ask for huge
 * pages (fewer faults and TLB misses). Allocation happens before any thread starts: a failure throws
 * std::bad_alloc with C untouched.
 */
class Scratch {
 public:
  explicit Scratch(int slots) : own_(static_cast<size_t>(slots)) {}
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  template <typename T>
  T* get(int slot, size_t n) {
    const size_t bytes = (std::max<size_t>(1, n) * sizeof(T) + 63) / 64 * 64;
    if (slot < kSlots && bytes <= kKeep) {
      Kept& k = kept()[slot];
      if (k.bytes < bytes) {
        std::free(k.p);
        k.p = nullptr;
        k.bytes = 0;
        k.p = allocate(bytes);
        k.bytes = bytes;
      }
      return static_cast<T*>(k.p);
    }
    own_[slot].reset(allocate(bytes));
    return static_cast<T*>(own_[slot].get());
  }

 private:
  static constexpr int kSlots = 9;
  static constexpr size_t kKeep = static_cast<size_t>(64) << 20;
  struct Kept {
    void* p = nullptr;
    size_t bytes = 0;
    ~Kept() { std::free(p); }
  };
  struct Free {
    void operator()(void* p) const { std::free(p); }
  };
  static Kept* kept() {
    thread_local Kept slots[kSlots];
    return slots;
  }
  static void* allocate(size_t bytes) {
    const size_t align = bytes >= (static_cast<size_t>(2) << 20) ? (static_cast<size_t>(2) << 20) : 64;
    void* p = std::aligned_alloc(align, (bytes + align - 1) / align * align);
    if (!p) throw std::bad_alloc();
    if (align > 64) preferHugePages(p, bytes);
    return p;
  }
  std::vector<std::unique_ptr<void, Free>> own_;
};

#endif  // SFTDL_X86

/** A reusable spinning barrier for the few threads of one call (yields while waiting: cores may be shared). */
class Barrier {
 public:
  /** Blocks until `parties` threads (the same number in every caller) have called wait. */
  void wait(int parties) {
    const int gen = gen_.load(std::memory_order_acquire);
    if (count_.fetch_add(1, std::memory_order_acq_rel) + 1 == parties) {
      count_.store(0, std::memory_order_relaxed);
      gen_.store(gen + 1, std::memory_order_release);
      return;
    }
    for (int spin = 0; gen_.load(std::memory_order_acquire) == gen; spin++) {
      if (spin < 2000) cpuRelax();
      else std::this_thread::yield();
    }
  }

 private:
  std::atomic<int> count_{0};
  std::atomic<int> gen_{0};
};

#ifdef SFTDL_X86
/**
 * The five loops (jc, pc, ic, jr, ir) around the micro-kernel, run by worker `w` of `t`.
 * With t > 1 the packed B panel is shared: each worker packs a share of its micro-panels, and two barriers per
 * panel separate packing from use. The MC-row blocks of A are then handed out dynamically (`tickets`, one
 * counter per (jc, pc) panel), so a worker whose core is busy elsewhere does fewer of them; each worker packs
 * only the A blocks it computes. Every entry of C is still summed by one worker in k order: the result does not
 * depend on the thread count or the schedule.
 */
template <typename T, typename S, typename C>
SFTDL_AVX512_LOOPS unsigned rows(int w, int t, Barrier* bar, std::atomic<int>* tickets, T* bp, T* ap, bool transA,
                                 bool transB, int m, int n, int k, T alpha, const S* a, size_t lda, const S* b, size_t ldb,
                                 bool accumulate, C* c, size_t ldc) {
  using P = Blocking<T>;
  unsigned flags = 0;
  const int blocks = (m + P::MC - 1) / P::MC;
  int panel = 0;
  for (int jc = 0; jc < n; jc += P::NC) {
    const int nc = std::min(P::NC, n - jc);
    const int panels = (nc + P::NR - 1) / P::NR;
    for (int pc = 0; pc < k; pc += P::KC) {
      const int kc = std::min(P::KC, k - pc);
      const bool acc = accumulate || pc > 0;
      if (t > 1) {
        bar->wait(t);  // everyone is done with the previous panel
        const int per = (panels + t - 1) / t;
        if (packB(transB, b, ldb, pc, kc, jc, nc, std::min(panels, w * per), std::min(panels, (w + 1) * per), bp))
          flags |= kBadInput;
        bar->wait(t);  // the panel is complete
      } else {
        if (packB(transB, b, ldb, pc, kc, jc, nc, 0, panels, bp)) flags |= kBadInput;
      }
      std::atomic<int>* ticket = t > 1 ? &tickets[panel++] : nullptr;
      for (int blk = ticket ? ticket->fetch_add(1, std::memory_order_relaxed) : 0; blk < blocks;
           blk = ticket ? ticket->fetch_add(1, std::memory_order_relaxed) : blk + 1) {
        const int ic = blk * P::MC;
        const int mc = std::min(P::MC, m - ic);
        if (packA(transA, a, lda, ic, mc, pc, kc, ap)) flags |= kBadInput;
        for (int jr = 0; jr < nc; jr += P::NR) {
          const T* bq = bp + static_cast<size_t>(jr) * kc;
          const int nr = std::min(P::NR, nc - jr);
          for (int ir = 0; ir < mc; ir += P::MR)
            if (ukr(kc, ap + static_cast<size_t>(ir) * kc, bq, c + static_cast<size_t>(ic + ir) * ldc + jc + jr, ldc,
                    alpha, acc, std::min(P::MR, mc - ir), nr))
              flags |= kBadOutput;
        }
      }
    }
  }
  return flags;
}

#endif  // SFTDL_X86

/**
 * A persistent pool of worker threads for the addon's parallel loops. Threads are started on first use and
 * kept (a fresh thread per call costs tens of microseconds and lands on a cold core); between jobs they spin
 * briefly, then sleep on a condition variable, so an idle pool uses no CPU. One job runs at a time: a caller
 * that finds the pool busy (another JavaScript thread using the addon) runs its job on its own thread.
 */
class Pool {
 public:
  int run(int t, const std::function<void(int, int)>& f) {
    std::unique_lock<std::mutex> busy(runMu_, std::try_to_lock);
    if (t <= 1 || !busy.owns_lock()) {
      f(0, 1);
      return 1;
    }
    while (static_cast<int>(threads_.size()) < t - 1) {
      try {
        threads_.emplace_back(&Pool::loop, this, static_cast<int>(threads_.size()) + 1);
      } catch (const std::system_error&) {
        break;  // fewer threads than asked: the ones running share the work
      }
    }
    const int tf = std::min(t, static_cast<int>(threads_.size()) + 1);
    if (tf == 1) {
      f(0, 1);
      return 1;
    }
    {
      std::lock_guard<std::mutex> lk(mu_);
      job_ = &f;
      parties_ = tf;
      pending_.store(tf - 1, std::memory_order_relaxed);
      gen_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    f(0, tf);
    for (int spin = 0; pending_.load(std::memory_order_acquire) != 0; spin++) {
      if (spin < kSpin) {
        cpuRelax();
        continue;
      }
      std::unique_lock<std::mutex> lk(mu_);
      done_.wait(lk, [this] { return pending_.load(std::memory_order_acquire) == 0; });
    }
    return tf;
  }

 private:
  static constexpr int kSpin = 4000;

  void loop(int id) {
    uint64_t seen = 0;
    for (;;) {
      uint64_t g;
      for (int spin = 0; (g = gen_.load(std::memory_order_acquire)) == seen; spin++) {
        if (spin < kSpin) {
          cpuRelax();
          continue;
        }
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return gen_.load(std::memory_order_acquire) != seen; });
      }
      seen = g;
      const std::function<void(int, int)>* job;
      int parties;
      {
        std::lock_guard<std::mutex> lk(mu_);
        job = job_;
        parties = parties_;
      }
      if (id >= parties) continue;
      (*job)(id, parties);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lk(mu_);
        done_.notify_one();
      }
    }
  }

  std::mutex runMu_;
  std::mutex mu_;
  std::condition_variable cv_, done_;
  std::vector<std::thread> threads_;
  const std::function<void(int, int)>* job_ = nullptr;
  int parties_ = 0;
  std::atomic<uint64_t> gen_{0};
  std::atomic<int> pending_{0};
};

/** The process-wide pool; never destroyed (its threads sleep when idle and end with the process). */
Pool& pool() {
  static Pool* p = new Pool();
  return *p;
}

#ifdef SFTDL_X86
template <typename T, typename S, typename C>
unsigned driver(int threads, bool transA, bool transB, int m, int n, int k, T alpha, const S* a, size_t lda, const S* b,
            size_t ldb, bool accumulate, C* c, size_t ldc) {
  using P = Blocking<T>;
  if (m <= 0 || n <= 0) return 0;
  if (k <= 0) {
    if (accumulate) return 0;
    for (int i = 0; i < m; i++) std::fill(c + static_cast<size_t>(i) * ldc, c + static_cast<size_t>(i) * ldc + n, C(0));
    return 0;
  }
  // One thread per ~2M multiply-adds (waking a worker costs microseconds), at most one per MC-row block.
  const double work = static_cast<double>(m) * n * k;
  const int rowBlocks = (m + P::MR - 1) / P::MR;
  const int mcBlocks = (m + P::MC - 1) / P::MC;
  const int t = std::max(1, std::min({threads, mcBlocks, static_cast<int>(std::min(work / (1 << 21), 1024.0))}));
  // All buffers are allocated here, before any thread starts, so a failed allocation leaves C untouched.
  const int ncPad = std::min(P::NC, (n + P::NR - 1) / P::NR * P::NR);
  const int mcPad = std::min(P::MC, rowBlocks * P::MR);
  Scratch scratch(t + 1);
  T* bp = scratch.get<T>(0, static_cast<size_t>(ncPad) * P::KC);
  std::vector<T*> ap(t);
  for (int w = 0; w < t; w++) ap[w] = scratch.get<T>(w + 1, static_cast<size_t>(mcPad) * P::KC);
  if (t == 1) return rows(0, 1, nullptr, nullptr, bp, ap[0], transA, transB, m, n, k, alpha, a, lda, b, ldb, accumulate, c, ldc);
  const size_t panels = static_cast<size_t>((n + P::NC - 1) / P::NC) * ((k + P::KC - 1) / P::KC);
  std::unique_ptr<std::atomic<int>[]> tickets(new std::atomic<int>[panels]);
  for (size_t i = 0; i < panels; i++) tickets[i].store(0, std::memory_order_relaxed);
  Barrier bar;
  std::atomic<unsigned> flags{0};
  pool().run(t, [&](int w, int tf) {
    flags.fetch_or(rows(w, tf, tf > 1 ? &bar : nullptr, tickets.get(), bp, ap[w], transA, transB, m, n, k, alpha, a,
                        lda, b, ldb, accumulate, c, ldc),
                   std::memory_order_relaxed);
  });
  return flags.load();
}

#endif  // SFTDL_X86

}  // namespace

int parallel(int threads, const std::function<void(int, int)>& f) { return pool().run(threads, f); }

void adviseHugePages(void* p, size_t bytes) { preferHugePages(p, bytes); }

#ifdef SFTDL_X86
bool avx512Usable() {
  static const bool ok = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") != 0 && __builtin_cpu_supports("avx512dq") != 0;
  }();
  return ok;
}

unsigned gemm(int threads, bool transA, bool transB, int m, int n, int k, double alpha, const double* a, size_t lda,
              const double* b, size_t ldb, bool accumulate, double* c, size_t ldc) {
  return driver<double>(threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, accumulate, c, ldc);
}
unsigned gemm(int threads, bool transA, bool transB, int m, int n, int k, float alpha, const float* a, size_t lda,
              const float* b, size_t ldb, bool accumulate, float* c, size_t ldc) {
  return driver<float>(threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, accumulate, c, ldc);
}
unsigned gemmF32(int threads, bool transA, bool transB, int m, int n, int k, float alpha, const double* a, size_t lda,
                 const double* b, size_t ldb, bool accumulate, double* c, size_t ldc) {
  return driver<float>(threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, accumulate, c, ldc);
}

#else
// Not an x86-64 build: the AVX-512 kernels do not exist and are never selected.
bool avx512Usable() { return false; }
unsigned gemm(int, bool, bool, int, int, int, double, const double*, size_t, const double*, size_t, bool, double*, size_t) {
  std::abort();
}
unsigned gemm(int, bool, bool, int, int, int, float, const float*, size_t, const float*, size_t, bool, float*, size_t) {
  std::abort();
}
unsigned gemmF32(int, bool, bool, int, int, int, float, const double*, size_t, const double*, size_t, bool, double*, size_t) {
  std::abort();
}
#endif  // SFTDL_X86

}  // namespace fast
}  // namespace sftdl
