// N-API glue for the sftdl openblas backend. Shapes are validated in TypeScript before every call;
// this layer re-checks buffer types and lengths (a mismatch throws a TypeError/RangeError, never
// reads out of bounds) and reports numeric problems as a plain status object that the TypeScript
// side turns into the typed sftdl errors. Float64Array arguments are used in place (no copies).
#include <napi.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <new>
#include <string>
#include <vector>

#include "elementwise.h"
#include "kernels.h"
#include "noise.h"
#include "update.h"

namespace {

using sftdl::Status;

double* f64(const Napi::CallbackInfo& info, size_t i, size_t minLength, const char* what) {
  const Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a Float64Array");
  }
  Napi::Float64Array a = v.As<Napi::Float64Array>();
  if (a.ElementLength() < minLength) {
    throw Napi::RangeError::New(info.Env(), std::string(what) + " is shorter than its shape says");
  }
  return a.Data();
}

int dim(const Napi::CallbackInfo& info, size_t i, const char* what) {
  const Napi::Value v = info[i];
  if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= INT_MAX) || d != static_cast<double>(static_cast<int>(d))) {
    throw Napi::RangeError::New(info.Env(), std::string(what) + " must be an integer in [0, 2^31)");
  }
  return static_cast<int>(d);
}

double num(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), "expected a number argument");
  return info[i].As<Napi::Number>().DoubleValue();
}

bool flag(const Napi::CallbackInfo& info, size_t i) { return info[i].ToBoolean().Value(); }

/** Bits of the first argument of every kernel. */
constexpr int kModeF32 = 1;   // float32: run the s-routines
constexpr int kModeFast = 2;  // sftdl's AVX-512 GEMM kernels (only honoured where they can run)

/** First two arguments of every kernel: mode bits and OpenBLAS thread count. */
sftdl::Mode prologue(const Napi::CallbackInfo& info) {
  const int bits = dim(info, 0, "mode");
  sftdl::Mode mode;
  mode.f32 = (bits & kModeF32) != 0;
  mode.fast = (bits & kModeFast) != 0 && sftdl::fastUsable();
  sftdl::useThreads(dim(info, 1, "threads"));
  return mode;
}

const char* kindName(Status::Kind k) {
  switch (k) {
    case Status::Ok: return "ok";
    case Status::NonFinite: return "nonFinite";
    case Status::Float32Range: return "float32Range";
    case Status::Singular: return "singular";
    case Status::NotPD: return "notPositiveDefinite";
    case Status::NoConvergence: return "noConvergence";
    case Status::Overflow: return "overflow";
    case Status::LapackArg: return "lapackArgument";
  }
  return "unknown";
}

/** undefined when ok, else { kind, arg, index, value }. */
Napi::Value result(Napi::Env env, const Status& s) {
  if (s.kind == Status::Ok) return env.Undefined();
  Napi::Object o = Napi::Object::New(env);
  o.Set("kind", kindName(s.kind));
  o.Set("arg", s.arg ? std::string(1, s.arg) : std::string());
  o.Set("index", static_cast<double>(s.index));
  o.Set("value", s.value);
  return o;
}

template <typename F>
Napi::Value guarded(const Napi::CallbackInfo& info, F&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(info.Env(), "out of memory while allocating an OpenBLAS work buffer");
  }
}

size_t sz(int a, int b) { return static_cast<size_t>(a) * static_cast<size_t>(b); }

// gemm(mode, threads, transA, transB, m, n, k, alpha, a, b, out)
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    const sftdl::Mode mode = prologue(info);
    const bool ta = flag(info, 2), tb = flag(info, 3);
    const int m = dim(info, 4, "m"), n = dim(info, 5, "n"), k = dim(info, 6, "k");
    const double alpha = num(info, 7);
    const double* a = f64(info, 8, sz(m, k), "A");
    const double* b = f64(info, 9, sz(k, n), "B");
    double* c = f64(info, 10, sz(m, n), "out");
    return result(info.Env(), sftdl::gemm(mode, ta, tb, m, n, k, alpha, a, b, c));
  });
}

// syrk(mode, threads, trans, n, k, alpha, a, out)
Napi::Value Syrk(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    const sftdl::Mode mode = prologue(info);
    const bool trans = flag(info, 2);
    const int n = dim(info, 3, "n"), k = dim(info, 4, "k");
    const double alpha = num(info, 5);
    const double* a = f64(info, 6, sz(n, k), "A");
    double* c = f64(info, 7, sz(n, n), "out");
    return result(info.Env(), sftdl::syrk(mode, trans, n, k, alpha, a, c));
  });
}

// potrf(mode, threads, n, jitter, a, out)
Napi::Value Potrf(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    const sftdl::Mode mode = prologue(info);
    const int n = dim(info, 2, "n");
    const double jitter = num(info, 3);
    const double* a = f64(info, 4, sz(n, n), "A");
    double* l = f64(info, 5, sz(n, n), "out");
    return result(info.Env(), sftdl::potrf(mode, n, jitter, a, l));
  });
}

// trsm(mode, threads, lower, trans, n, m, t, b, out)
Napi::Value Trsm(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    const sftdl::Mode mode = prologue(info);
    const bool lower = flag(info, 2), trans = flag(info, 3);
    const int n = dim(info, 4, "n"), m = dim(info, 5, "m");
    const double* t = f64(info, 6, sz(n, n), "T");
    const double* b = f64(info, 7, sz(n, m), "B");
    double* x = f64(info, 8, sz(n, m), "out");
    return result(info.Env(), sftdl::trsm(mode, lower, trans, n, m, t, b, x));
  });
}

// potrs(mode, threads, n, m, l, b, out)
Napi::Value Potrs(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    const sftdl::Mode mode = prologue(info);
    const int n = dim(info, 2, "n"), m = dim(info, 3, "m");
    const double* l = f64(info, 4, sz(n, n), "L");
    const double* b = f64(info, 5, sz(n, m), "B");
    double* x = f64(info, 6, sz(n, m), "out");
    return result(info.Env(), sftdl::potrs(mode, n, m, l, b, x));
  });
}

// logdet(mode, threads, n, l) -> number | status
Napi::Value Logdet(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const sftdl::Mode mode = prologue(info);
    const int n = dim(info, 2, "n");
    const double* l = f64(info, 3, sz(n, n), "L");
    double out = 0;
    const Status s = sftdl::logdet(mode, n, l, &out);
    if (s.kind != Status::Ok) return result(info.Env(), s);
    return Napi::Number::New(info.Env(), out);
  });
}

// syevd(mode, threads, n, a, values, vectors)
Napi::Value Syevd(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    const sftdl::Mode mode = prologue(info);
    const int n = dim(info, 2, "n");
    const double* a = f64(info, 3, sz(n, n), "A");
    double* w = f64(info, 4, static_cast<size_t>(n), "values");
    double* v = f64(info, 5, sz(n, n), "vectors");
    return result(info.Env(), sftdl::syevd(mode, n, a, w, v));
  });
}

// setThreads(n) -> threads now in effect
Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  sftdl::useThreads(dim(info, 0, "threads"));
  return Napi::Number::New(info.Env(), sftdl::currentThreads());
}

// info() -> { corename, config, threads, parallel, avx512, fastPreferred, elementwiseIsa }
Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("corename", sftdl::coreName());
  o.Set("config", sftdl::config());
  o.Set("threads", sftdl::currentThreads());
  o.Set("parallel", sftdl::parallelMode());
  o.Set("avx512", sftdl::fastUsable());
  o.Set("fastPreferred", sftdl::fastPreferred());
  o.Set("elementwiseIsa", sftdl::activateIsa());
  return o;
}

Napi::Value Activate(const Napi::CallbackInfo& info) {
  // (kind, threads, h, phi, dphi, len, table[, maxIsa]): maxIsa (tests) 2 best, 1 AVX2 at most, 0 scalar
  const int kind = dim(info, 0, "kind");
  if (kind > sftdl::kActSquare) throw Napi::RangeError::New(info.Env(), "unknown activation code");
  const int threads = dim(info, 1, "threads");
  const int len = dim(info, 5, "len");
  const double* h = f64(info, 2, static_cast<size_t>(len), "h");
  double* phi = f64(info, 3, static_cast<size_t>(len), "phi");
  double* dphi = f64(info, 4, static_cast<size_t>(len), "dphi");
  const double* table = f64(info, 6, kind == sftdl::kActErf ? 769 * 7 : 0, "table");
  const int maxIsa = info.Length() > 7 ? dim(info, 7, "maxIsa") : 2;
  sftdl::activate(kind, h, phi, dphi, static_cast<size_t>(len), threads, table, maxIsa);
  return info.Env().Undefined();
}

Napi::Value Readout(const Napi::CallbackInfo& info) {
  // (n, width, outputs, stride, offset, phi, dphi, a, aOffset, y, pred, res, grad, gradOffset, delta, maxIsa
  //  [, kind, h, table]) -> ½Σr²; with kind, h and table, φ and φ′ are computed from h (phi, dphi unused)
  const size_t n = dim(info, 0, "n"), N = dim(info, 1, "width"), O = dim(info, 2, "outputs");
  const size_t stride = dim(info, 3, "stride"), off = dim(info, 4, "offset");
  const size_t aOff = dim(info, 8, "aOffset"), gOff = dim(info, 13, "gradOffset");
  if (n > 0 && off + N > stride) throw Napi::RangeError::New(info.Env(), "offset + width exceeds stride");
  const size_t span = n == 0 ? 0 : (n - 1) * stride + off + N;
  sftdl::ReadoutArgs r;
  r.n = n; r.width = N; r.outputs = O; r.stride = stride;
  const bool fused = info.Length() > 18;
  r.phi = fused ? nullptr : f64(info, 5, span, "phi") + off;
  r.dphi = fused ? nullptr : f64(info, 6, span, "dphi") + off;
  if (fused) {
    r.kind = dim(info, 16, "kind");
    if (r.kind > sftdl::kActSquare) throw Napi::RangeError::New(info.Env(), "unknown activation code");
    r.h = f64(info, 17, span, "h") + off;
    r.table = f64(info, 18, r.kind == sftdl::kActErf ? 769 * 7 : 0, "table");
  }
  r.a = f64(info, 7, aOff + N * O, "a") + aOff;
  r.y = f64(info, 9, n * O, "y");
  r.pred = f64(info, 10, n * O, "pred");
  r.res = f64(info, 11, n * O, "res");
  r.grad = f64(info, 12, gOff + N * O, "grad") + gOff;
  r.delta = f64(info, 14, span, "delta") + off;
  r.maxIsa = dim(info, 15, "maxIsa");
  r.threads = info.Length() > 19 ? std::max(1, dim(info, 19, "threads")) : 1;
  return Napi::Number::New(info.Env(), sftdl::readout(r));
}

Napi::Value LangevinUpdate(const Napi::CallbackInfo& info) {
  // (threads, len, theta, grad, xi, xiPrev | undefined, invVar, m, sqrt2m, invKappa, eta, noiseScale[, maxIsa])
  const int threads = dim(info, 0, "threads");
  const size_t len = dim(info, 1, "len");
  sftdl::UpdateArgs u;
  u.len = len;
  u.theta = f64(info, 2, len, "theta");
  u.grad = f64(info, 3, len, "grad");
  u.xi = f64(info, 4, len, "xi");
  u.xiPrev = info[5].IsUndefined() ? nullptr : f64(info, 5, len, "xiPrev");
  u.invVar = f64(info, 6, len, "invVar");
  u.m = f64(info, 7, len, "m");
  u.sqrt2m = f64(info, 8, len, "sqrt2m");
  u.invKappa = num(info, 9);
  u.eta = num(info, 10);
  u.noiseScale = num(info, 11);
  u.maxIsa = info.Length() > 12 ? dim(info, 12, "maxIsa") : 2;
  sftdl::langevinUpdate(u, threads);
  return info.Env().Undefined();
}

/** The Float64Array pointers of a JavaScript array of C Float64Arrays, each at least minLength long. */
void f64List(const Napi::CallbackInfo& info, size_t i, size_t C, size_t minLength, const char* what, std::vector<double*>& out) {
  if (!info[i].IsArray()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be an array of Float64Array");
  Napi::Array arr = info[i].As<Napi::Array>();
  if (arr.Length() < C) throw Napi::RangeError::New(info.Env(), std::string(what) + " has fewer entries than chains");
  out.resize(C);
  for (size_t c = 0; c < C; c++) {
    const Napi::Value v = arr.Get(static_cast<uint32_t>(c));
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
      throw Napi::TypeError::New(info.Env(), std::string(what) + " must be an array of Float64Array");
    Napi::Float64Array a = v.As<Napi::Float64Array>();
    if (a.ElementLength() < minLength)
      throw Napi::RangeError::New(info.Env(), std::string(what) + " entry is shorter than its shape says");
    out[c] = a.Data();
  }
}

// twoLayerBatch(mode, threads, n, d, N, C, x, y, params[], grads[], preds[], losses, kind, table)
Napi::Value TwoLayerBatch(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    const sftdl::Mode mode = prologue(info);
    sftdl::TwoLayerArgs a;
    a.threads = dim(info, 1, "threads");
    a.n = dim(info, 2, "n");
    a.d = dim(info, 3, "d");
    a.N = dim(info, 4, "N");
    a.C = dim(info, 5, "C");
    const size_t n = a.n, d = a.d, N = a.N, C = a.C, P = N * d + N;
    a.x = f64(info, 6, n * d, "x");
    a.y = f64(info, 7, n, "y");
    thread_local std::vector<double*> params, grads, preds;
    f64List(info, 8, C, P, "params", params);
    f64List(info, 9, C, P, "grads", grads);
    f64List(info, 10, C, n, "preds", preds);
    a.params = params.data();
    a.grads = grads.data();
    a.preds = preds.data();
    a.losses = f64(info, 11, C, "losses");
    a.kind = dim(info, 12, "kind");
    if (a.kind > sftdl::kActSquare) throw Napi::RangeError::New(info.Env(), "unknown activation code");
    a.table = f64(info, 13, a.kind == sftdl::kActErf ? 769 * 7 : 0, "table");
    return result(info.Env(), sftdl::twoLayerBatch(mode, a));
  });
}

// gemmSeconds(mode, threads, transA, transB, m, n, k, reps) -> seconds
Napi::Value GemmSeconds(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    const sftdl::Mode mode = prologue(info);
    const double s = sftdl::gemmSeconds(mode, flag(info, 2), flag(info, 3), dim(info, 4, "m"), dim(info, 5, "n"),
                                        dim(info, 6, "k"), dim(info, 7, "reps"));
    return Napi::Number::New(info.Env(), s);
  });
}

Napi::Value Normals(const Napi::CallbackInfo& info) {
  // (k0, k1, out[, maxIsa]): out.length normals of the Langevin noise stream; k0, k1 are taken modulo 2^32
  const double k0 = num(info, 0), k1 = num(info, 1);
  if (!std::isfinite(k0) || !std::isfinite(k1) || k0 != std::trunc(k0) || k1 != std::trunc(k1))
    throw Napi::RangeError::New(info.Env(), "key words must be integers");
  const Napi::Value v = info[2];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw Napi::TypeError::New(info.Env(), "out must be a Float64Array");
  Napi::Float64Array out = v.As<Napi::Float64Array>();
  const int maxIsa = info.Length() > 3 ? dim(info, 3, "maxIsa") : 2;
  const auto word = [](double k) { return static_cast<uint32_t>(static_cast<int64_t>(std::fmod(k, 4294967296.0))); };
  sftdl::normals(word(k0), word(k1), out.Data(), out.ElementLength(), maxIsa);
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("normals", Napi::Function::New(env, Normals, "normals"));
  exports.Set("twoLayerBatch", Napi::Function::New(env, TwoLayerBatch, "twoLayerBatch"));
  exports.Set("gemmSeconds", Napi::Function::New(env, GemmSeconds, "gemmSeconds"));
  exports.Set("langevinUpdate", Napi::Function::New(env, LangevinUpdate, "langevinUpdate"));
  exports.Set("readout", Napi::Function::New(env, Readout, "readout"));
  exports.Set("activate", Napi::Function::New(env, Activate, "activate"));
  exports.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
  exports.Set("syrk", Napi::Function::New(env, Syrk, "syrk"));
  exports.Set("potrf", Napi::Function::New(env, Potrf, "potrf"));
  exports.Set("trsm", Napi::Function::New(env, Trsm, "trsm"));
  exports.Set("potrs", Napi::Function::New(env, Potrs, "potrs"));
  exports.Set("logdet", Napi::Function::New(env, Logdet, "logdet"));
  exports.Set("syevd", Napi::Function::New(env, Syevd, "syevd"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  return exports;
}

}  // namespace

NODE_API_MODULE(sftdl_openblas, Init)
