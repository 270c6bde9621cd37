// Native convolution kernels for the wasm backend's training step (src/ml/kernels/native.ts).
//
// The three products of an NHWC convolution (dilation 1, filter [kh, kw, Cin, Cout]), each as
// im2col + one SGEMM of OpenBLAS (linked statically, its AVX2 / AVX-512 kernels chosen at run
// time), on row chunks small enough that a chunk's column buffer stays in the L2 cache:
//   forward         Y[M, Cout]  = col(x)[M, K] · W[K, Cout]              (M = N·Ho·Wo, K = kh·kw·Cin)
//   input gradient  dcol[M, K]  = dY[M, Cout] · Wᵀ, scattered back into dx (col2im, summed)
//   filter gradient dW[K, Cout] = Σ over chunks col(x)ᵀ · dY
// where col(x)[(n, p, q), (i, j, ci)] = x[n, p·sh + i − top, q·sw + j − left, ci] (0 outside x).
// A 1×1 filter at stride 1 without padding uses x itself as col.
//
// The tensors are Float32Array views of the wasm heap (typedArrayFromHeap); the caller keeps them
// alive for the call. Every length is checked against the geometry before any memory is touched:
// a mismatch throws a RangeError instead of reading or writing past a view.
// Threads: a call may split its images over up to `threads` threads (the caller's and ones started
// for the call); OpenBLAS's own threads are set to 1 at load, so the caller's choice is the whole
// count (native.ts gives 1 to each learning thread, more to a run alone in its process).
#define NAPI_VERSION 8
#include <node_api.h>
#include <cblas.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int64_t n, h, w, cin, ho, wo, cout, kh, kw, sh, sw, top, left;
} Geom;

enum { FORWARD = 0, INPUT_GRAD = 1, FILTER_GRAD = 2 };

// Floats per column chunk (256 KiB): the chunk and the GEMM's packed panels fit the L2 cache.
#define CHUNK_FLOATS 65536

static int64_t chunk_rows(int64_t k, int64_t m) {
  int64_t r = CHUNK_FLOATS / (k > 0 ? k : 1);
  if (r < 16) r = 16;
  return r < m ? r : m;
}

static int is_pointwise(const Geom *g) {
  return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->top == 0 && g->left == 0 && g->ho == g->h && g->wo == g->w;
}

// The taps j ∈ [*j0, *j1) of output column q that fall inside x (their x columns are contiguous).
static void inside(const Geom *g, int64_t q, int64_t *j0, int64_t *j1) {
  int64_t x0 = q * g->sw - g->left;
  *j0 = x0 < 0 ? -x0 : 0;
  *j1 = g->w - x0 < g->kw ? g->w - x0 : g->kw;
  if (*j1 < *j0) *j1 = *j0;
}

// col rows [m0, m0 + rows) of x into col (rows × K). For one (row, tap row i) the taps inside x
// are one contiguous run of x: one copy, zeros either side.
static void im2col(const Geom *g, const float *x, int64_t m0, int64_t rows, float *col) {
  const int64_t k = g->kh * g->kw * g->cin, c = g->cin, rowlen = g->kw * c;
  for (int64_t r = 0; r < rows; r++) {
    int64_t m = m0 + r, q = m % g->wo, p = (m / g->wo) % g->ho, n = m / (g->wo * g->ho);
    int64_t j0, j1;
    inside(g, q, &j0, &j1);
    float *dst = col + r * k;
    for (int64_t i = 0; i < g->kh; i++, dst += rowlen) {
      int64_t y = p * g->sh + i - g->top;
      if (y < 0 || y >= g->h || j1 == j0) {
        memset(dst, 0, sizeof(float) * rowlen);
        continue;
      }
      if (j0 > 0) memset(dst, 0, sizeof(float) * j0 * c);
      memcpy(dst + j0 * c, x + ((n * g->h + y) * g->w + q * g->sw - g->left + j0) * c, sizeof(float) * (j1 - j0) * c);
      if (j1 < g->kw) memset(dst + j1 * c, 0, sizeof(float) * (g->kw - j1) * c);
    }
  }
}

// dx += the column gradient rows [m0, m0 + rows) scattered back to their input positions.
static void col2im(const Geom *g, const float *dcol, int64_t m0, int64_t rows, float *dx) {
  const int64_t k = g->kh * g->kw * g->cin, c = g->cin, rowlen = g->kw * c;
  for (int64_t r = 0; r < rows; r++) {
    int64_t m = m0 + r, q = m % g->wo, p = (m / g->wo) % g->ho, n = m / (g->wo * g->ho);
    int64_t j0, j1;
    inside(g, q, &j0, &j1);
    const float *src = dcol + r * k;
    for (int64_t i = 0; i < g->kh; i++, src += rowlen) {
      int64_t y = p * g->sh + i - g->top;
      if (y < 0 || y >= g->h) continue;
      float *d = dx + ((n * g->h + y) * g->w + q * g->sw - g->left + j0) * c;
      const float *s = src + j0 * c;
      for (int64_t e = 0, len = (j1 - j0) * c; e < len; e++) d[e] += s[e];
    }
  }
}

enum { ACT_LINEAR = 0, ACT_RELU = 1, ACT_RELU6 = 2, ACT_LEAKY = 3 };

// y[m, c] = act(y[m, c] + bias[c]) over rows [m0, m0 + rows), while they are in cache.
static void epilogue(float *y, int64_t rows, int64_t cout, const float *bias, int act, float alpha) {
  if (bias == NULL && act == ACT_LINEAR) return;
  for (int64_t r = 0; r < rows; r++, y += cout) {
    if (bias != NULL) for (int64_t c = 0; c < cout; c++) y[c] += bias[c];
    switch (act) {
      case ACT_RELU:
        for (int64_t c = 0; c < cout; c++) y[c] = y[c] > 0.0f ? y[c] : 0.0f;
        break;
      case ACT_RELU6:
        for (int64_t c = 0; c < cout; c++) y[c] = y[c] > 0.0f ? (y[c] < 6.0f ? y[c] : 6.0f) : 0.0f;
        break;
      case ACT_LEAKY:
        for (int64_t c = 0; c < cout; c++) y[c] = y[c] > 0.0f ? y[c] : alpha * y[c];
        break;
      default:
        break;
    }
  }
}

// One thread's share of a product: output rows [m0, m1) (for the input gradient whole images, so
// no two shares write the same dx row), and for the filter gradient its own partial dw.
typedef struct {
  const Geom *g;
  int mode;
  const float *a, *b;
  float *out;
  const float *bias;
  int act;
  float alpha;
  int64_t m0, m1;
  int failed;
} Share;

static void run_share(Share *s) {
  const Geom *g = s->g;
  const int64_t k = g->kh * g->kw * g->cin, cout = g->cout, m0 = s->m0, m1 = s->m1;
  if (m1 <= m0) {
    if (s->mode == FILTER_GRAD) memset(s->out, 0, sizeof(float) * k * cout);
    return;
  }
  if (is_pointwise(g)) {
    // col(x) is x itself: one product over the share's rows
    const int64_t r = m1 - m0;
    if (s->mode == FORWARD) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r, cout, k, 1.0f, s->a + m0 * k, k, s->b, cout, 0.0f, s->out + m0 * cout, cout);
      epilogue(s->out + m0 * cout, r, cout, s->bias, s->act, s->alpha);
    } else if (s->mode == INPUT_GRAD) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r, k, cout, 1.0f, s->a + m0 * cout, cout, s->b, cout, 0.0f, s->out + m0 * k, k);
    } else {
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, cout, r, 1.0f, s->a + m0 * k, k, s->b + m0 * cout, cout, 0.0f, s->out, cout);
    }
    return;
  }
  const int64_t rows = chunk_rows(k, m1 - m0);
  float *col = malloc(sizeof(float) * rows * k);
  if (col == NULL) {
    s->failed = 1;
    return;
  }
  for (int64_t c0 = m0; c0 < m1; c0 += rows) {
    const int64_t r = m1 - c0 < rows ? m1 - c0 : rows;
    if (s->mode == FORWARD) {
      im2col(g, s->a, c0, r, col);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r, cout, k, 1.0f, col, k, s->b, cout, 0.0f, s->out + c0 * cout, cout);
      epilogue(s->out + c0 * cout, r, cout, s->bias, s->act, s->alpha);
    } else if (s->mode == INPUT_GRAD) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r, k, cout, 1.0f, s->a + c0 * cout, cout, s->b, cout, 0.0f, col, k);
      col2im(g, col, c0, r, s->out);
    } else {
      im2col(g, s->a, c0, r, col);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, cout, r, 1.0f, col, k, s->b + c0 * cout, cout, c0 == m0 ? 0.0f : 1.0f, s->out, cout);
    }
  }
  free(col);
}

static void *share_thread(void *arg) {
  run_share((Share *)arg);
  return NULL;
}

#define MAX_THREADS 16
// Below this many multiply-adds a product runs in one thread (a thread start costs ~20-50 µs).
#define MIN_MACS_PER_THREAD 2000000

// Runs a product over up to `threads` threads (the caller's and threads − 1 started here), each on
// a range of output rows (whole images for the input gradient); the filter gradient's partials are
// summed in thread order. 0 on success.
static int run_product(const Geom *g, int mode, const float *a, const float *b, float *out, const float *bias, int act, float alpha, int threads) {
  const int64_t k = g->kh * g->kw * g->cin, per_image = g->ho * g->wo, m = g->n * per_image;
  const int64_t macs = m * k * g->cout;
  int t = threads < 1 ? 1 : threads > MAX_THREADS ? MAX_THREADS : threads;
  // The input gradient's shares are whole images (col2im writes the rows around each output row);
  // the other products split their output rows anywhere (one image's detector pass too).
  const int by_image = mode == INPUT_GRAD;
  if (by_image && t > g->n) t = (int)g->n;
  if (!by_image && t > m) t = (int)m;
  while (t > 1 && macs / t < MIN_MACS_PER_THREAD) t--;
  if (mode == INPUT_GRAD && !is_pointwise(g)) memset(out, 0, sizeof(float) * g->n * g->h * g->w * g->cin);
  Share shares[MAX_THREADS];
  float *partials = NULL;
  if (mode == FILTER_GRAD && t > 1) {
    partials = malloc(sizeof(float) * (size_t)(t - 1) * k * g->cout);
    if (partials == NULL) t = 1;
  }
  for (int i = 0; i < t; i++) {
    const int64_t m0 = by_image ? g->n * i / t * per_image : m * i / t, m1 = by_image ? g->n * (i + 1) / t * per_image : m * (i + 1) / t;
    float *dst = mode == FILTER_GRAD && i > 0 ? partials + (size_t)(i - 1) * k * g->cout : out;
    shares[i] = (Share){g, mode, a, b, dst, bias, act, alpha, m0, m1, 0};
  }
  pthread_t ids[MAX_THREADS];
  int started[MAX_THREADS] = {0};
  for (int i = 1; i < t; i++) started[i] = pthread_create(&ids[i], NULL, share_thread, &shares[i]) == 0;
  for (int i = 1; i < t; i++) {
    if (!started[i]) run_share(&shares[i]);  // no thread to be had: this one does the share
  }
  run_share(&shares[0]);
  int failed = shares[0].failed;
  for (int i = 1; i < t; i++) {
    if (started[i]) pthread_join(ids[i], NULL);
    failed |= shares[i].failed;
  }
  if (partials != NULL) {
    const int64_t len = k * g->cout;
    for (int i = 1; i < t; i++) {
      const float *p = partials + (size_t)(i - 1) * len;
      for (int64_t e = 0; e < len; e++) out[e] += p[e];
    }
    free(partials);
  }
  return failed;
}

// --- N-API --------------------------------------------------------------------------------------

static napi_value throw_range(napi_env env, const char *msg) {
  napi_throw_range_error(env, NULL, msg);
  return NULL;
}

// The float32 data of a Float32Array argument and its length.
static int f32_arg(napi_env env, napi_value v, float **data, size_t *len) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return 0;
  napi_typedarray_type type;
  void *p = NULL;
  if (napi_get_typedarray_info(env, v, &type, len, &p, NULL, NULL) != napi_ok || type != napi_float32_array) return 0;
  *data = (float *)p;
  return 1;
}

// conv(mode, a, b, out, geom, bias, act, alpha, threads): mode 0 forward (x, w → y), 1 input
// gradient (dy, w → dx), 2 filter gradient (x, dy → dw); geom = Int32Array [n, h, w, cin, ho, wo,
// cout, kh, kw, sh, sw, top, left]. The forward product may add a bias (Float32Array of cout, or
// null) and apply an activation (0 linear, 1 relu, 2 relu6, 3 leaky relu with slope alpha); the
// others take null, 0, 0. `threads`: at most this many threads (whole images each).
static napi_value Conv(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 9) return throw_range(env, "conv(mode, a, b, out, geom, bias, act, alpha, threads) takes 9 arguments");
  int32_t mode;
  if (napi_get_value_int32(env, argv[0], &mode) != napi_ok || mode < 0 || mode > 2) return throw_range(env, "conv: mode must be 0, 1 or 2");
  float *a, *b, *out;
  size_t la, lb, lo;
  if (!f32_arg(env, argv[1], &a, &la) || !f32_arg(env, argv[2], &b, &lb) || !f32_arg(env, argv[3], &out, &lo)) {
    return throw_range(env, "conv: a, b and out must be Float32Arrays");
  }
  bool is_ta = false;
  napi_typedarray_type type;
  size_t gl;
  void *gp;
  if (napi_is_typedarray(env, argv[4], &is_ta) != napi_ok || !is_ta || napi_get_typedarray_info(env, argv[4], &type, &gl, &gp, NULL, NULL) != napi_ok ||
      type != napi_int32_array || gl != 13) {
    return throw_range(env, "conv: geom must be an Int32Array of 13");
  }
  const int32_t *gi = (const int32_t *)gp;
  for (int i = 0; i < 13; i++) {
    if (gi[i] < 0 || (i < 11 && gi[i] == 0)) return throw_range(env, "conv: geometry values must be positive (pads non-negative)");
  }
  // im2col and col2im bound every index by h and w, so any output size and padding is memory-safe.
  Geom g = {gi[0], gi[1], gi[2], gi[3], gi[4], gi[5], gi[6], gi[7], gi[8], gi[9], gi[10], gi[11], gi[12]};
  const size_t nx = (size_t)(g.n * g.h * g.w * g.cin), nw = (size_t)(g.kh * g.kw * g.cin * g.cout), ny = (size_t)(g.n * g.ho * g.wo * g.cout);
  float *bias = NULL;
  int32_t act = ACT_LINEAR, threads = 1;
  double alpha = 0;
  napi_valuetype bt;
  napi_typeof(env, argv[5], &bt);
  size_t lbias = 0;
  if (bt != napi_null && bt != napi_undefined && (!f32_arg(env, argv[5], &bias, &lbias) || lbias != (size_t)g.cout)) {
    return throw_range(env, "conv: bias must be null or a Float32Array of cout");
  }
  if (napi_get_value_int32(env, argv[6], &act) != napi_ok || act < ACT_LINEAR || act > ACT_LEAKY) return throw_range(env, "conv: act must be 0, 1, 2 or 3");
  if (napi_get_value_double(env, argv[7], &alpha) != napi_ok) return throw_range(env, "conv: alpha must be a number");
  if (napi_get_value_int32(env, argv[8], &threads) != napi_ok || threads < 1) return throw_range(env, "conv: threads must be a positive integer");
  if (mode != FORWARD && (bias != NULL || act != ACT_LINEAR)) return throw_range(env, "conv: a bias and an activation go with the forward product only");
  int ok;
  switch (mode) {
    case FORWARD:
      ok = la == nx && lb == nw && lo == ny;
      if (!ok) return throw_range(env, "conv forward: lengths of x, w, y do not match the geometry");
      break;
    case INPUT_GRAD:
      ok = la == ny && lb == nw && lo == nx;
      if (!ok) return throw_range(env, "conv input gradient: lengths of dy, w, dx do not match the geometry");
      break;
    default:
      ok = la == nx && lb == ny && lo == nw;
      if (!ok) return throw_range(env, "conv filter gradient: lengths of x, dy, dw do not match the geometry");
      break;
  }
  if (run_product(&g, mode, a, b, out, bias, act, (float)alpha, threads) != 0) {
    napi_throw_error(env, NULL, "conv: out of memory for the column buffer");
    return NULL;
  }
  return NULL;
}

// --- batch-norm passes (src/ml/kernels/batch-norm-wasm.ts) ----------------------------------
// The same arithmetic as the JS passes there, element for element: float64 per-channel sums over
// the rows in row order, each element computed in double and stored as float32 (no FMA: this file
// is built without -march, so no multiply-add is contracted), so the results are the JS passes'
// bits. x is rows × c, channels last.

typedef struct {
  float *f32[3];
  size_t n32[3];
  int nf;
  double *f64[4];
  size_t n64[4];
  int nd;
} PassArgs;

// Reads argv as the given kinds ('f' Float32Array, 'd' Float64Array) after c; 0 on a mismatch.
static int pass_args(napi_env env, napi_value *argv, const char *kinds, PassArgs *p) {
  int nf = 0, nd = 0;
  for (int i = 0; kinds[i]; i++) {
    bool is_ta = false;
    napi_typedarray_type type;
    size_t len;
    void *data;
    if (napi_is_typedarray(env, argv[i], &is_ta) != napi_ok || !is_ta || napi_get_typedarray_info(env, argv[i], &type, &len, &data, NULL, NULL) != napi_ok) return 0;
    if (kinds[i] == 'f') {
      if (type != napi_float32_array) return 0;
      p->f32[nf] = data;
      p->n32[nf++] = len;
    } else {
      if (type != napi_float64_array) return 0;
      p->f64[nd] = data;
      p->n64[nd++] = len;
    }
  }
  p->nf = nf;
  p->nd = nd;
  return 1;
}

// bnPass(which, c, ...arrays): 0 channelSums(x, sums), 1 squaredDeviations(x, mean, sums),
// 2 affine(x, mean, scale, shift, y), 3 gradientSums(dy, x, mean, sums[2c]),
// 4 gradientAffine(dy, x, mean, k, a, b, dx). Lengths are checked: x.length a multiple of c,
// every per-channel array at least c (2c for the gradient sums), outputs as long as x.
static napi_value BnPass(napi_env env, napi_callback_info info) {
  static const char *kinds[] = {"fd", "fdd", "fdddf", "ffdd", "ffddddf"};
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t which, c;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &which) != napi_ok || which < 0 || which > 4 || napi_get_value_int32(env, argv[1], &c) != napi_ok || c < 1) {
    return throw_range(env, "bnPass(which 0-4, c ≥ 1, ...arrays)");
  }
  PassArgs p = {0};
  if (argc != 2 + strlen(kinds[which]) || !pass_args(env, argv + 2, kinds[which], &p)) return throw_range(env, "bnPass: wrong arrays for this pass");
  // Every Float32Array is rows × c; every Float64Array holds c per-channel values (the gradient
  // sums: 2c).
  const size_t n = p.n32[0];
  int bad = n % (size_t)c != 0;
  for (int i = 1; i < p.nf; i++) bad |= p.n32[i] != n;
  for (int i = 0; i < p.nd; i++) bad |= p.n64[i] < (which == 3 && i == 1 ? 2 : 1) * (size_t)c;
  if (bad) return throw_range(env, "bnPass: array lengths do not match c");
  const size_t rows = n / (size_t)c;
  switch (which) {
    case 0: {
      const float *x = p.f32[0];
      double *sums = p.f64[0];
      for (size_t r = 0; r < rows; r++, x += c)
        for (int32_t k = 0; k < c; k++) sums[k] += x[k];
      break;
    }
    case 1: {
      const float *x = p.f32[0];
      const double *mean = p.f64[0];
      double *sums = p.f64[1];
      for (size_t r = 0; r < rows; r++, x += c)
        for (int32_t k = 0; k < c; k++) {
          const double d = x[k] - mean[k];
          sums[k] += d * d;
        }
      break;
    }
    case 2: {
      const float *x = p.f32[0];
      float *y = p.f32[1];
      const double *mean = p.f64[0], *scale = p.f64[1], *shift = p.f64[2];
      for (size_t r = 0; r < rows; r++, x += c, y += c)
        for (int32_t k = 0; k < c; k++) y[k] = (float)((x[k] - mean[k]) * scale[k] + shift[k]);
      break;
    }
    case 3: {
      const float *dy = p.f32[0], *x = p.f32[1];
      const double *mean = p.f64[0];
      double *sums = p.f64[1];
      for (size_t r = 0; r < rows; r++, x += c, dy += c)
        for (int32_t k = 0; k < c; k++) {
          const double g = dy[k];
          sums[k] += g;
          sums[c + k] += g * (x[k] - mean[k]);
        }
      break;
    }
    default: {
      const float *dy = p.f32[0], *x = p.f32[1];
      float *dx = p.f32[2];
      const double *mean = p.f64[0], *kk = p.f64[1], *a = p.f64[2], *b = p.f64[3];
      for (size_t r = 0; r < rows; r++, x += c, dy += c, dx += c)
        for (int32_t j = 0; j < c; j++) dx[j] = (float)(kk[j] * dy[j] + a[j] * (x[j] - mean[j]) + b[j]);
      break;
    }
  }
  return NULL;
}

// info(): the BLAS build in use, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH … Haswell".
static napi_value Info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value s;
  const char *cfg = openblas_get_config();
  const char *core = openblas_get_corename();
  char buf[512];
  snprintf(buf, sizeof buf, "%s; kernels %s", cfg ? cfg : "OpenBLAS", core ? core : "?");
  napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &s);
  return s;
}

NAPI_MODULE_INIT() {
  openblas_set_num_threads(1);
  napi_value fn;
  napi_create_function(env, "conv", NAPI_AUTO_LENGTH, Conv, NULL, &fn);
  napi_set_named_property(env, exports, "conv", fn);
  napi_create_function(env, "bnPass", NAPI_AUTO_LENGTH, BnPass, NULL, &fn);
  napi_set_named_property(env, exports, "bnPass", fn);
  napi_create_function(env, "info", NAPI_AUTO_LENGTH, Info, NULL, &fn);
  napi_set_named_property(env, exports, "info", fn);
  return exports;
}
