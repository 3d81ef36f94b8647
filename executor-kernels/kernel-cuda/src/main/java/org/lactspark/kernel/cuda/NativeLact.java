package org.lactspark.kernel.cuda;

/**
 * The JNI surface of {@code liblactcuda} (sources in {@code src/main/native}): everything the Java
 * classes of this package ask of the GPU, and nothing else. Arrays cross as float64 host arrays in
 * the layouts of {@link org.lactspark.kernel.LactInputs}; the library converts them to the device
 * precision. Handles ({@code long}) own device memory until the matching {@code free*} call.
 *
 * <p>Every method throws {@link CudaException} with the CUDA or cuBLAS message when the device
 * fails, and {@link IllegalArgumentException} when an array's length does not match the given
 * dimensions (the Java callers check shapes first, so that one means a bug). The library
 * serialises calls internally (one CUDA stream, one cuBLAS handle); it is safe to call from any
 * thread.
 *
 * <p>Integer codes: {@code precision} is {@link #FLOAT64}, {@link #FLOAT32} (no TF32) or {@link
 * #BFLOAT16} (bf16 operands, fp32 accumulation, fp32 fast weights); {@code update} chooses how a
 * bfloat16 kernel computes the per-chunk gradient products and Newton-Schulz ({@link #UPDATE_BF16}
 * as the official op, {@link #UPDATE_TF32}, {@link #UPDATE_FP32}) and is ignored otherwise. {@code
 * dims} is {@code {n, dIn, dH, L}} ({@code {n, dIn, dH}} for streams). {@code spec} is {@code
 * {mode (0 block-causal, 1 bidirectional), norm (0 post-norm, 1 pre-norm), chunkSize, muon (0/1),
 * momentum (0/1), normTargetsDetached (0/1)}}. {@code ns} holds the Newton-Schulz schedule as
 * {@code a, b, c} per step.
 */
final class NativeLact {
  static final int FLOAT64 = 0;
  static final int FLOAT32 = 1;
  static final int BFLOAT16 = 2;

  static final int UPDATE_BF16 = 0;
  static final int UPDATE_TF32 = 1;
  static final int UPDATE_FP32 = 2;
  /**
   * Added to an update code: the backward recomputes Newton-Schulz's iterates instead of keeping
   * them from the forward (less device memory, about 10% slower with Muon).
   */
  static final int RECOMPUTE_NS = 16;

  private NativeLact() {}

  /**
   * Selects CUDA device {@code device}, loads cuBLAS (dlopen) and creates the stream and handle.
   * Idempotent for the same device.
   *
   * @return one line: device name, compute capability, memory, CUDA runtime and driver, cuBLAS
   * @throws CudaException if there is no device, the driver is too old or cuBLAS cannot be loaded
   */
  static native String init(int device);

  /** Bytes of device memory the library holds right now (its own allocations, exact). */
  static native long allocatedBytes();

  /**
   * Allocates {@code bytes} of device memory and frees it again: a preflight for a large job, and
   * how the tests see an out-of-memory error reach Java.
   *
   * @throws CudaException with CUDA's message if the device cannot provide it
   */
  static native void checkAllocation(long bytes);

  /** Device memory in use by every process ({@code cudaMemGetInfo}: total minus free). */
  static native long deviceUsedBytes();

  /**
   * Runs the op's forward; writes the output into {@code out} and returns a pass handle holding the
   * saved state. {@code momentum} is null without momentum; {@code mask} ({@code [n, L]}) may be
   * null (every token writes).
   */
  static native long forward(int precision, int update, int[] dims, int[] spec, double[] ns,
      double[] w0, double[] w1, double[] w2, double[] q, double[] k, double[] v,
      double[] lr0, double[] lr1, double[] lr2, double[] momentum, double[] mask, double[] out);

  /** Bytes of device memory the pass holds for its backward. */
  static native long savedBytes(long pass);

  /** Copies the fast weights after the last update into the three arrays. */
  static native void finalWeights(long pass, double[] w0, double[] w1, double[] w2);

  /**
   * Gradients of {@code sum(out * dOut)}, written into {@code grads}: ten arrays in the order of
   * {@link org.lactspark.kernel.LactGradients} ({@code w0, w1, w2, q, k, v, lr0, lr1, lr2,
   * momentum}), the last null when the op ran without momentum. The pass stays usable.
   */
  static native void backward(long pass, double[] dOut, double[][] grads);

  /** Frees a pass. Freeing 0 is a no-op. */
  static native void freePass(long pass);

  /** Newton-Schulz of {@code b} matrices {@code rows x cols} from {@code g} into {@code out}. */
  static native void newtonSchulz(int precision, int update, int b, int rows, int cols, double[] ns,
      double[] g, double[] out);

  /** The gradient of {@code sum(NS(g) * dX)} with respect to {@code g}, into {@code out}. */
  static native void newtonSchulzBackward(int precision, int update, int b, int rows, int cols,
      double[] ns, double[] g, double[] dX, double[] out);

  /** Opens a stream (block-causal specs only) from initial weights; returns its handle. */
  static native long streamOpen(int precision, int update, int[] dims, int[] spec, double[] ns,
      double[] w0, double[] w1, double[] w2);

  /** {@code f_W(q)} for {@code len} queries per instance ({@code q, out [n, len, dIn]}). */
  static native void streamRead(long stream, int len, double[] q, double[] out);

  /** One update from {@code len} tokens per instance; {@code momentum} null without momentum. */
  static native void streamWrite(long stream, int len, double[] k, double[] v, double[] lr0,
      double[] lr1, double[] lr2, double[] momentum);

  /** Copies the stream's current weights into the three arrays. */
  static native void streamWeights(long stream, double[] w0, double[] w1, double[] w2);

  /** Frees a stream. Freeing 0 is a no-op. */
  static native void freeStream(long stream);

  /**
   * Times the op with its inputs already on the device (uploaded once, outside the timing): CUDA
   * events around {@code warmup} untimed and then {@code runs} timed forwards, then as many
   * forward-plus-backward runs.
   *
   * @return {@code {median forward ms, median forward+backward ms, peak allocated bytes during the
   *     runs (above the level before them), saved-state bytes of one pass}}
   */
  static native double[] timeOnDevice(int precision, int update, int[] dims, int[] spec, double[] ns,
      double[] w0, double[] w1, double[] w2, double[] q, double[] k, double[] v,
      double[] lr0, double[] lr1, double[] lr2, double[] momentum, double[] dOut, int warmup, int runs);

  // ---- the whole model (model.h, model_jni.cpp); spec and layout arrays from CudaModelSpec ----

  /**
   * A model on the device with zeroed parameters and gradient sum.
   *
   * @param spec 22 ints: vocab, d, layers, attention heads, fast-weight heads, fast hidden width,
   *     window, chunk, low rank, MLP width, pad id, then the flags muon, momentum, qkv silu, no v
   *     silu, q/k norm, TTT scale gate, pre-norm, no RoPE in TTT, tied embeddings, TTT enabled,
   *     document restart (1 or 0)
   * @param doubles RoPE theta, norm eps, learning-rate shift
   * @param layout embedding, final norm, LM head (-1 when tied) offsets and the total, then per
   *     layer the offsets of its 25 tensors (-1: absent) in {@link CudaModelSpec#LAYER_TENSORS} order
   */
  static native long modelOpen(int precision, int update, int[] spec, double[] doubles, double[] ns, long[] layout);

  /** Parameters {@code [offset, offset + values.length)} from float32 values. */
  static native void modelSetParams(long model, long offset, float[] values);

  /** Parameters {@code [offset, offset + values.length)} from float64 values. */
  static native void modelSetParams64(long model, long offset, double[] values);

  /** Copies the parameters into {@code out} (the model's size). */
  static native void modelParams(long model, float[] out);

  /**
   * Forward, and backward into the gradient sum when {@code grads}, over {@code ids [b, len]} with
   * document numbers and targets (-1: not scored); {@code logits [b*len, vocab]} or null.
   *
   * @return {@code {summed loss, scored positions}}
   */
  static native double[] modelStep(long model, int b, int len, int[] ids, int[] documents, int[] targets,
      boolean grads, double[] logits);

  /** The gradient sum into {@code out}, then zeroed. */
  static native void modelTakeGradient(long model, float[] out);

  /** The gradient sum into {@code out} in float64, then zeroed. */
  static native void modelTakeGradient64(long model, double[] out);

  /** {@code {peak allocated bytes since the last call, allocated bytes now}} (library-wide). */
  static native double[] modelMemory(long model);

  /**
   * One AdamW step on the device ({@code args}: lr, beta1, beta2, eps, weight decay, clip norm (0:
   * none), gradient scale), skipped when it would make a parameter non-finite.
   *
   * @return {@code {gradient norm before clipping, 1 if applied else 0}}
   */
  static native double[] modelOptimizerStep(long model, double[] args);

  /** The elements weight decay applies to, as {@code [start, end)} pairs. */
  static native void modelDecayRanges(long model, long[] ranges);

  /** AdamW's moments for elements {@code [offset, offset + m.length)} and its step count. */
  static native void modelSetMoments(long model, long offset, float[] m, float[] v, long steps);

  /** AdamW's moments (zeros before any step) into {@code m} and {@code v}; returns its step count. */
  static native long modelMoments(long model, float[] m, float[] v);

  /** Frees a model. Freeing 0 is a no-op. */
  static native void modelFree(long model);

  /**
   * One LaCT layer alone (the layer fixtures): {@code y} for {@code x [b, len, d]}, and for the
   * output gradient {@code dy} the input gradient {@code dx} and every parameter's ({@code grads},
   * the layout of {@code offsets} over {@code params}).
   */
  static native void layerCheck(int precision, int update, int[] spec, double[] doubles, double[] ns, long[] offsets,
      double[] params, int b, int len, double[] x, double[] dy, double[] y, double[] dx, double[] grads);
}
