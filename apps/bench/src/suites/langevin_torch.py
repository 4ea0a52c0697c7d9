"""PyTorch baselines of `pnpm bench langevin` (a long-lived timing server; the bench talks to it over stdin/stdout).

Both baselines take the step of the sftdl sampler: full-batch Euler–Maruyama Langevin on the posterior of a two-layer
net f(x) = Σᵢ aᵢ φ(wᵢ·x) in standardised coordinates (θ = prior_std ⊙ z), float32:

    U(z) = ½ Σ_μ (f_μ − y_μ)² / κ + ½|z|²,    z ← z − η ∇U(z) + √(2η) ξ,    ξ ~ N(0, I).

GEMM work per step and chain (the FLOPs the bench counts): forward H = X·Wᵀ (2ndN), readout f = φ(H)·a (2nN),
readout gradient φᵀ·r (2nN), weight gradient Dᵀ·X (2ndN) with D = (r aᵀ) ⊙ φ'(H).

- "loop": the obvious code, C separate nets stepped one after another, gradients by autograd.
- "batched": all chains at once in the layout X·[W₁ … W_C]ᵀ (the C read-in matrices stacked into one [C·N, d] tensor,
  so the forward and weight-gradient products are single GEMMs, which is at least as fast as torch.bmm with X
  broadcast over chains), hand-written gradients, in-place updates into preallocated buffers (no autograd graph).

Protocol (one JSON object per line): the server prints {"ready": true, ...} on start; then for each request line
{"op": "setup", n, d, N, chains, activation, eta, sigma2, seed} → {"ok": true}
{"op": "time", "variant": "loop"|"batched", "threads": T, "steps": S} → {"seconds", "cpuSeconds", "blasThreads"}
{"op": "check", "threads": T} → {"loop": [...], "batched": [...]} (one step of both variants from the same state; a
self-test that the two variants take the same step).
"""
import json
import math
import platform
import sys
import time

try:
    import torch
except Exception as e:  # noqa: BLE001 — any import failure means "no torch here"
    print(json.dumps({"error": "torch is not importable: %s" % e}), flush=True)
    sys.exit(0)

ALL_THREADS = torch.get_num_threads()
try:
    import os
    ALL_THREADS = len(os.sched_getaffinity(0))
except Exception:  # noqa: BLE001
    ALL_THREADS = os.cpu_count() or ALL_THREADS


def find_openblas():
    """The OpenBLAS that torch's BLAS calls go to, when it is one (Debian's python3-torch: BLAS_INFO=generic, i.e. the
    system libblas.so.3, which is OpenBLAS' pthread build). torch.set_num_threads does not reach OpenBLAS' own thread
    pool: without this, a "1-thread" baseline's sgemm runs on every core (process CPU time ≈ cores × wall time)."""
    import ctypes
    # torch loads its BLAS lazily on some builds: one small product first
    torch.ones(2, 2) @ torch.ones(2, 2)
    try:
        with open("/proc/self/maps") as f:
            paths = sorted({ln.split()[-1] for ln in f if ".so" in ln and "blas" in ln.lower()})
    except OSError:
        return None, None
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
            setter, getter = lib.openblas_set_num_threads, lib.openblas_get_num_threads
        except (OSError, AttributeError):
            continue
        setter.argtypes, setter.restype = [ctypes.c_int], None
        getter.argtypes, getter.restype = [], ctypes.c_int
        return path, (setter, getter)
    return None, None


OPENBLAS_PATH, OPENBLAS = find_openblas()


def set_threads(n):
    """Sets torch's intra-op threads and, where torch's BLAS is OpenBLAS, OpenBLAS' threads to `n`; returns the BLAS
    thread count now in force (None when the BLAS is not OpenBLAS: torch's own setting then governs MKL/oneDNN)."""
    torch.set_num_threads(n)
    if OPENBLAS is None:
        return None
    OPENBLAS[0](n)
    return int(OPENBLAS[1]())


def phis(act):
    """φ(H) → out1 and φ'(H) → out2 without allocating (the batched variant; autograd is not used there)."""
    c = 2.0 / math.sqrt(math.pi)

    def erf(h, p, dp):
        torch.erf(h, out=p)
        torch.mul(h, h, out=dp).neg_().exp_().mul_(c)

    def tanh(h, p, dp):
        torch.tanh(h, out=p)
        torch.mul(p, p, out=dp).neg_().add_(1)

    def relu(h, p, dp):
        torch.clamp(h, min=0, out=p)
        dp.copy_(h > 0)

    def square(h, p, dp):
        torch.mul(h, h, out=p)
        torch.mul(h, 2, out=dp)

    def linear(h, p, dp):
        p.copy_(h)
        dp.fill_(1)

    return {"erf": erf, "tanh": tanh, "relu": relu, "square": square, "linear": linear}[act]


class Problem:
    def __init__(self, cfg):
        n, d, N, C = cfg["n"], cfg["d"], cfg["N"], cfg["chains"]
        self.n, self.d, self.N, self.C = n, d, N, C
        self.eta, self.kappa, self.act = cfg["eta"], cfg["sigma2"], cfg["activation"]
        self.sw, self.sa = math.sqrt(1.0 / d), math.sqrt(1.0 / N)
        self.noise = math.sqrt(2 * self.eta)
        g = torch.Generator().manual_seed(cfg.get("seed", 0))
        self.X = torch.randn(n, d, generator=g)
        self.y = torch.randn(n, generator=g)
        zW = torch.randn(C, N, d, generator=g)
        za = torch.randn(C, N, generator=g)
        # loop variant: C separate leaf tensors
        self.loopW = [zW[c].clone().requires_grad_(True) for c in range(C)]
        self.loopA = [za[c].clone().requires_grad_(True) for c in range(C)]
        # batched variant: one [C·N, d] read-in matrix and one [C, N] readout, plus work buffers
        self.bW = zW.reshape(C * N, d).clone()
        self.bA = za.clone()
        self.H = torch.empty(n, C * N)
        self.P = torch.empty(n, C * N)
        self.D = torch.empty(n, C * N)
        self.T = torch.empty(n, C, N)
        self.G = torch.empty(C * N, d)
        self.f = torch.empty(n, C)
        self.ga = torch.empty(C, N)
        self.phis = phis(self.act)
        self.torch_phi = {"erf": torch.erf, "tanh": torch.tanh, "relu": torch.relu,
                          "linear": lambda h: h, "square": lambda h: h * h}[self.act]

    def loop_step(self, noise=True):
        X, y, sw, sa, eta = self.X, self.y, self.sw, self.sa, self.eta
        for zW, za in zip(self.loopW, self.loopA):
            f = self.torch_phi(X @ (sw * zW).T) @ (sa * za)
            U = 0.5 * ((f - y) ** 2).sum() / self.kappa + 0.5 * (zW ** 2).sum() + 0.5 * (za ** 2).sum()
            gW, ga = torch.autograd.grad(U, (zW, za))
            with torch.no_grad():
                zW.add_(-eta * gW)
                za.add_(-eta * ga)
                if noise:
                    zW.add_(torch.randn_like(zW), alpha=self.noise)
                    za.add_(torch.randn_like(za), alpha=self.noise)

    def batched_step(self, noise=True):
        n, N, C, sw, sa, eta = self.n, self.N, self.C, self.sw, self.sa, self.eta
        W, A, H, T = self.bW, self.bA, self.H, self.T
        torch.mm(self.X, W.T, out=H)                         # [n, C·N]: one GEMM for all chains
        H.mul_(sw)
        self.phis(H, self.P, self.D)                         # φ(H), φ'(H)
        P, D = self.P.view(n, C, N), self.D.view(n, C, N)
        torch.sum(torch.mul(P, A, out=T), -1, out=self.f)    # f/sa = φ·a per chain, [n, C]
        r = self.f.mul_(sa).sub_(self.y[:, None]).div_(self.kappa)  # (f − y)/κ
        torch.sum(torch.mul(P, r[:, :, None], out=T), 0, out=self.ga)
        ga = self.ga.mul_(sa).add_(A)                        # ∂U/∂a = sa φᵀr + a, [C, N]
        D.mul_(r[:, :, None]).mul_(A[None, :, :]).mul_(sa)   # (r aᵀ) ⊙ φ'(H)
        torch.mm(self.D.T, self.X, out=self.G)               # [C·N, d]: one GEMM for all chains
        gW = self.G.mul_(sw).add_(W)                         # ∂U/∂W = sw Dᵀ X + W
        W.add_(gW, alpha=-eta)
        A.add_(ga, alpha=-eta)
        if noise:
            W.add_(torch.randn_like(W), alpha=self.noise)
            A.add_(torch.randn_like(A), alpha=self.noise)


def main():
    print(json.dumps({
        "ready": True, "executable": sys.executable, "python": platform.python_version(), "torch": torch.__version__,
        "allThreads": ALL_THREADS, "openblas": OPENBLAS_PATH,
    }), flush=True)
    prob = None
    for line in sys.stdin:
        req = json.loads(line)
        op = req["op"]
        if op == "setup":
            prob = Problem(req)
            out = {"ok": True}
        elif op == "time":
            blas_threads = set_threads(int(req["threads"]))
            step = prob.loop_step if req["variant"] == "loop" else prob.batched_step
            t, c = time.perf_counter(), time.process_time()
            for _ in range(int(req["steps"])):
                step()
            out = {"seconds": time.perf_counter() - t, "cpuSeconds": time.process_time() - c, "blasThreads": blas_threads}
        elif op == "check":
            set_threads(int(req["threads"]))
            prob.loop_step(noise=False)
            prob.batched_step(noise=False)
            loop = torch.cat([torch.cat([w.detach().reshape(-1), a.detach()]) for w, a in zip(prob.loopW, prob.loopA)])
            batched = torch.cat([torch.cat([prob.bW[c * prob.N:(c + 1) * prob.N].reshape(-1), prob.bA[c]]) for c in range(prob.C)])
            out = {"maxAbsDiff": float((loop - batched).abs().max()), "maxAbs": float(loop.abs().max())}
        else:
            out = {"error": "unknown op %r" % op}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
