#pragma once
#include <cstddef>
#include <cstdint>

namespace sftdl {

/**
 * n standard normals of the Langevin noise stream (version 2, @sftdl/compute's langevinNormalsInto) for key (k0, k1)
 * into out: pair j from Philox4x32-10 block j and the stream's Box–Muller transform (its own log, sin and cos from
 * +, −, ×, ÷, √, no fused multiply-add), bit-identical to the TypeScript definition. `maxIsa` 2: AVX-512 where the
 * CPU has it, below 2: the scalar loop (tests); both give the same bits.
 */
void normals(uint32_t k0, uint32_t k1, double* out, size_t n, int maxIsa = 2);

}  // namespace sftdl
