import type { ComputeBackend, LangevinUpdateArgs } from '@sftdl/compute';

/**
 * The Langevin update of one chain with a diagonal preconditioner, in TypeScript: the definition that the backends'
 * native `langevinUpdate` reproduces bit for bit (see compute's LangevinUpdateArgs). For i < len:
 * gᵢ ← gᵢ·invKappa + θᵢ·invVarᵢ (∇U from the loss gradient); θᵢ ← θᵢ − η·mᵢ·gᵢ + c·sᵢ·(ξₚᵢ + ξᵢ), ξₚᵢ ← ξᵢ
 * (Leimkuhler–Matthews) or θᵢ ← θᵢ − η·mᵢ·gᵢ + c·sᵢ·ξᵢ (Euler–Maruyama, no ξₚ).
 */
export function langevinUpdateInto(u: LangevinUpdateArgs): void {
  const { len, theta, grad, xi, xiPrev, invVar, m, sqrt2m, invKappa, eta, noiseScale } = u;
  if (xiPrev) {
    for (let i = 0; i < len; i++) {
      const t = theta[i]!;
      const g = grad[i]! * invKappa + t * invVar[i]!;
      grad[i] = g;
      const z = xi[i]!;
      theta[i] = t - eta * m[i]! * g + noiseScale * sqrt2m[i]! * (xiPrev[i]! + z);
      xiPrev[i] = z;
    }
  } else {
    for (let i = 0; i < len; i++) {
      const t = theta[i]!;
      const g = grad[i]! * invKappa + t * invVar[i]!;
      grad[i] = g;
      theta[i] = t - eta * m[i]! * g + noiseScale * sqrt2m[i]! * xi[i]!;
    }
  }
}

/** The backend's native update where it has one, else {@link langevinUpdateInto}. */
export function langevinUpdater(backend: ComputeBackend): (u: LangevinUpdateArgs) => void {
  return backend.langevinUpdate ? (u) => backend.langevinUpdate!(u) : langevinUpdateInto;
}
