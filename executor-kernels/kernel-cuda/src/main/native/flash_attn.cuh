// Fused causal sliding-window softmax attention (FlashAttention-2 style) for bf16 training:
// forward (out, lse) and backward (dq, dk, dv) without materialising the L x W score matrix.
// Tensor cores through mma.sync.m16n8k16 (bf16 in, float32 accumulate); runs on sm_80 and later,
// tuned for the H100 (sm_90). FLASH.md beside this file has the design and the self-test.
//
// Layouts (row-major): q, k, v, out, dOut, dq, dk, dv are [B, L, H, D] (element
// ((b*L + t)*H + h)*D + c); lse is [B, H, L] float; keyValid is [B, L] bytes (nonzero = the key may
// be attended to), or null for all valid.
// Query t of sequence b attends keys s with t - window + 1 <= s <= t and keyValid[b*L + s] != 0,
// scores scale * <q_t, k_s>. A query row with no such key gets out = 0, lse = kFlashEmptyLse
// (-infinity) and zero gradients. Errors throw lact::Error (CUDA failures) or lact::ArgError
// (arguments), as runtime.h declares them.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cmath>

namespace lact {

typedef __nv_bfloat16 bf16;

// lse of a query row that sees no key (the natural log of an empty sum)
constexpr float kFlashEmptyLse = -INFINITY;

// True if the fused kernels support this head dim: 16, 32, 64 and 128 (tuned for 64 and 128).
bool flashSupports(int headDim);

// out [B, L, H, D] bf16 and lse [B, H, L] float32. Asynchronous on `stream` (its scratch, only when
// keyValid is given, is stream-ordered cudaMallocAsync memory).
void flashForward(const bf16* q, const bf16* k, const bf16* v, const unsigned char* keyValid, int B, int L, int H,
    int D, int window, float scale, bf16* out, float* lse, cudaStream_t stream);

// dq, dk, dv as float32 [B, L, H, D], every element written (no need to zero them). out and lse are
// the forward's results, dOut the gradient of out. Deterministic (no atomics). Scratch (2 B*H*L
// floats and B*L bytes, rounded up) is stream-ordered cudaMallocAsync memory freed before return
// (in stream order).
void flashBackward(const bf16* q, const bf16* k, const bf16* v, const bf16* out, const bf16* dOut, const float* lse,
    const unsigned char* keyValid, int B, int L, int H, int D, int window, float scale, float* dq, float* dk,
    float* dv, cudaStream_t stream);

}  // namespace lact
