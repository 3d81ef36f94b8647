package org.lactspark.kernel.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.DeviceTimedKernel;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactFlops;
import org.lactspark.kernel.LactForwardPass;
import org.lactspark.kernel.LactInputs;
import org.lactspark.kernel.LactKernel;
import org.lactspark.kernel.LactSpec;
import org.lactspark.kernel.NormPlacement;
import org.lactspark.kernel.spi.KernelBackend;
import org.lactspark.kernel.spi.KernelBackends;
import org.lactspark.kernel.synth.SyntheticLactInputs;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench lact-op}: warm-up, then the median of several runs of the forward and of forward
 * plus backward, on seeded synthetic inputs; one JSON line with times, GFLOP/s (FLOPs as the
 * reference counts them, see {@link LactFlops}) and memory: {@code peak_memory_bytes} is the
 * largest rise of the backend's memory gauge ({@link KernelBackend#memoryInUseBytes()}) over its
 * level before the first run, sampled every 0.5 ms through warm-up and timed runs, and {@code
 * saved_state_bytes} what the forward pass holds for the backward (linear in the number of chunks).
 *
 * <p>These times are taken on the host around the kernel API's calls, so for a device backend they
 * include copying the inputs to the device and the outputs and gradients back (and converting them
 * from and to float64): what a JVM caller pays. When the kernel is a {@link DeviceTimedKernel} the
 * line also carries the op alone, timed on the device with its inputs already there: {@code
 * device_forward_ms}, {@code device_forward_backward_ms} (medians over the same warm-up and run
 * counts), {@code device_peak_bytes} (the most device memory held above the level before those
 * runs) and {@code device_forward_backward_tflops} (forward-plus-backward FLOPs, three times the
 * forward's, per device time).
 */
@Command(
    name = "lact-op",
    mixinStandardHelpOptions = true,
    description = "Benchmark the LaCT fast-weight op (defaults: the issue's CPU benchmark shape).")
public final class LactOpBench implements Callable<Integer> {
  @Option(names = "--n", defaultValue = "4", description = "Instances (batch x heads) (default: ${DEFAULT-VALUE}).")
  int n;

  @Option(names = "--d-in", defaultValue = "128", description = "Fast-weight input width (default: ${DEFAULT-VALUE}).")
  int dIn;

  @Option(names = "--d-h", defaultValue = "128", description = "Fast-weight hidden width (default: ${DEFAULT-VALUE}).")
  int dH;

  @Option(names = "--length", defaultValue = "4096", description = "Sequence length L (default: ${DEFAULT-VALUE}).")
  int length;

  @Option(names = "--chunk", defaultValue = "512", description = "Chunk size C (default: ${DEFAULT-VALUE}).")
  int chunk;

  @Option(names = "--muon", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Newton-Schulz on every update (default: on; --no-muon turns it off).")
  boolean muon;

  @Option(names = "--momentum", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Momentum (default: on; --no-momentum turns it off).")
  boolean momentum;

  @Option(names = "--prenorm", description = "Pre-norm variant instead of post-norm.")
  boolean prenorm;

  @Option(names = "--dtype", defaultValue = "float32", description = "float32, float64 or bfloat16 (default: ${DEFAULT-VALUE}).")
  String dtype;

  @Option(names = "--backend", defaultValue = "auto", description = "Backend name or auto (default: ${DEFAULT-VALUE}).")
  String backend;

  @Option(names = "--warmup", defaultValue = "2", description = "Untimed warm-up runs (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--runs", defaultValue = "5", description = "Timed runs; the median is reported (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of the synthetic inputs (default: ${DEFAULT-VALUE}).")
  long seed;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws JsonProcessingException {
    validate();
    DType type = DType.parse(dtype);
    KernelBackend b = KernelBackends.select(backend);
    LactKernel kernel = b.kernel(type);
    LactSpec op = LactSpec.blockCausal(chunk, muon, momentum)
        .withNorm(prenorm ? NormPlacement.PRENORM : NormPlacement.POSTNORM);
    SyntheticLactInputs gen = new SyntheticLactInputs(seed);
    LactInputs in = gen.next(n, dIn, dH, length, momentum);
    HostTensor dOut = gen.normal(n, length, dIn);

    double[] fwd = new double[runs];
    double[] fwdBwd = new double[runs];
    long baseline = b.memoryInUseBytes();
    long saved;
    long peak;
    try (MemorySampler mem = new MemorySampler(b::memoryInUseBytes, 500)) {
      for (int i = 0; i < warmup; i++) {
        runOnce(kernel, op, in, dOut, true);
      }
      for (int i = 0; i < runs; i++) {
        fwd[i] = runOnce(kernel, op, in, dOut, false)[0];
      }
      saved = 0;
      for (int i = 0; i < runs; i++) {
        double[] t = runOnce(kernel, op, in, dOut, true);
        fwdBwd[i] = t[0];
        saved = (long) t[1];
      }
      mem.sample();
      peak = Math.max(0, mem.max() - baseline);
    }
    DeviceTimedKernel.DeviceTiming device = null;
    if (kernel instanceof DeviceTimedKernel timed) {
      device = timed.timeOnDevice(op, in, dOut, warmup, runs);
    }
    emit(b, type, op, median(fwd), median(fwdBwd), peak, saved, device);
    return 0;
  }

  /** Milliseconds of one forward (and backward), and the saved-state bytes. */
  private static double[] runOnce(LactKernel k, LactSpec op, LactInputs in, HostTensor dOut, boolean backward) {
    long t0 = System.nanoTime();
    long saved;
    try (LactForwardPass pass = k.forward(op, in)) {
      saved = pass.savedStateBytes();
      if (backward) {
        k.backward(pass, dOut);
      }
    }
    return new double[] {(System.nanoTime() - t0) / 1e6, saved};
  }

  private void validate() {
    String[] names = {"--n", "--d-in", "--d-h", "--length", "--chunk", "--runs"};
    int[] values = {n, dIn, dH, length, chunk, runs};
    for (int i = 0; i < names.length; i++) {
      if (values[i] < 1) {
        throw new IllegalArgumentException(names[i] + " = " + values[i] + ": must be >= 1");
      }
    }
    if (warmup < 0) {
      throw new IllegalArgumentException("--warmup = " + warmup + ": must be >= 0");
    }
  }

  /** The median of {@code xs} (the mean of the middle two for an even count); {@code xs} is not modified. */
  public static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    int m = s.length / 2;
    return s.length % 2 == 1 ? s[m] : 0.5 * (s[m - 1] + s[m]);
  }

  private void emit(KernelBackend b, DType type, LactSpec op, double fwdMs, double fwdBwdMs,
      long peak, long saved, DeviceTimedKernel.DeviceTiming device) throws JsonProcessingException {
    double flops = LactFlops.forward(op, n, dIn, dH, length);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("bench", "lact-op");
    r.put("backend", b.name());
    r.put("backend_description", b.description());
    r.put("dtype", type.cliName());
    r.put("n", n);
    r.put("d_in", dIn);
    r.put("d_h", dH);
    r.put("length", length);
    r.put("chunk", chunk);
    r.put("muon", muon);
    r.put("momentum", momentum);
    r.put("prenorm", prenorm);
    r.put("warmup", warmup);
    r.put("runs", runs);
    r.put("forward_ms", round(fwdMs));
    r.put("forward_backward_ms", round(fwdBwdMs));
    r.put("forward_flops", flops);
    r.put("forward_gflops", round(flops / fwdMs / 1e6));
    r.put("forward_backward_gflops", round(LactFlops.forwardBackward(op, n, dIn, dH, length) / fwdBwdMs / 1e6));
    r.put("peak_memory_bytes", peak);
    r.put("saved_state_bytes", saved);
    if (device != null) {
      r.putAll(deviceFields(device, flops));
    }
    r.put("java", System.getProperty("java.version"));
    r.put("cpus", Runtime.getRuntime().availableProcessors());
    r.put("time", Instant.now().toString());
    spec.commandLine().getOut().println(new ObjectMapper().writeValueAsString(r));
    spec.commandLine().getOut().flush();
  }

  /**
   * The JSON fields of a device timing; {@code forwardFlops} is {@link LactFlops#forward} of the
   * benchmarked call.
   */
  static Map<String, Object> deviceFields(DeviceTimedKernel.DeviceTiming t, double forwardFlops) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("device_forward_ms", round(t.forwardMs()));
    r.put("device_forward_backward_ms", round(t.forwardBackwardMs()));
    r.put("device_peak_bytes", t.peakBytes());
    r.put("device_forward_backward_tflops", round(3.0 * forwardFlops / t.forwardBackwardMs() / 1e9));
    return r;
  }

  private static double round(double x) {
    return Math.round(x * 1000.0) / 1000.0;
  }
}
