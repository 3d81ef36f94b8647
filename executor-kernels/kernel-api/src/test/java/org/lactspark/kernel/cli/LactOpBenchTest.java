package org.lactspark.kernel.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lactspark.kernel.DeviceTimedKernel;

/**
 * {@code bench lact-op} on the reference backend and on a device-timed test backend: the JSON it
 * prints and its option checks.
 */
class LactOpBenchTest {

  @Test
  void printsOneJsonLineWithTheRequiredKeys() throws Exception {
    CliTestSupport.Run r = CliTestSupport.run("bench", "lact-op", "--backend", "reference", "--dtype", "float64",
        "--n", "2", "--d-in", "6", "--d-h", "10", "--length", "37", "--chunk", "8", "--warmup", "0", "--runs", "2");
    assertEquals(0, r.status(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.lastLine());
    for (String key : List.of("forward_ms", "forward_backward_ms", "forward_gflops", "forward_backward_gflops",
        "peak_memory_bytes", "saved_state_bytes", "n", "d_in", "d_h", "length", "chunk", "muon", "momentum",
        "prenorm", "dtype", "backend")) {
      assertTrue(j.has(key), "missing key " + key + " in " + r.lastLine());
    }
    assertTrue(j.get("forward_ms").asDouble() > 0 && j.get("forward_backward_ms").asDouble() > 0);
    // 18 dIn dH L n, plus 3 * 30 * n * min^2 * max per update (4 updates for L = 37, C = 8)
    double expected = 18.0 * 6 * 10 * 37 * 2 + 4 * 3 * 30.0 * 2 * 36 * 10;
    assertEquals(expected, j.get("forward_flops").asDouble(), 1e-6);
    assertTrue(j.get("muon").asBoolean() && j.get("momentum").asBoolean() && !j.get("prenorm").asBoolean());
    assertFalse(hasDeviceField(j), "a host-only kernel has no device_* fields: " + j);
  }

  private static boolean hasDeviceField(JsonNode j) {
    for (var it = j.fieldNames(); it.hasNext(); ) {
      if (it.next().startsWith("device_")) {
        return true;
      }
    }
    return false;
  }

  @Test
  void aDeviceTimedKernelAddsTheDeviceFields() throws Exception {
    CliTestSupport.Run r = CliTestSupport.run("bench", "lact-op", "--backend", DeviceTimedTestBackend.NAME,
        "--dtype", "float64", "--n", "2", "--d-in", "6", "--d-h", "10", "--length", "37", "--chunk", "8",
        "--warmup", "1", "--runs", "3");
    assertEquals(0, r.status(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.lastLine());
    assertArrayEquals(new int[] {1, 3}, DeviceTimedTestBackend.lastCounts, "warm-up and runs passed on");
    DeviceTimedKernel.DeviceTiming t = DeviceTimedTestBackend.TIMING;
    assertEquals(t.forwardMs(), j.get("device_forward_ms").asDouble());
    assertEquals(t.forwardBackwardMs(), j.get("device_forward_backward_ms").asDouble());
    assertEquals(t.peakBytes(), j.get("device_peak_bytes").asLong());
    double flops = j.get("forward_flops").asDouble();
    assertEquals(3 * flops / t.forwardBackwardMs() / 1e9, j.get("device_forward_backward_tflops").asDouble(), 1e-3);
    // the host-timed fields stay
    assertTrue(j.get("forward_ms").asDouble() > 0 && j.has("peak_memory_bytes"), r.lastLine());
  }

  @Test
  void deviceFieldsAreComputedFromTheTiming() {
    Map<String, Object> f = LactOpBench.deviceFields(new DeviceTimedKernel.DeviceTiming(1.5, 4.0, 7, 3), 2e9);
    assertEquals(List.of("device_forward_ms", "device_forward_backward_ms", "device_peak_bytes",
        "device_forward_backward_tflops"), List.copyOf(f.keySet()));
    assertEquals(1.5, f.get("device_forward_ms"));
    assertEquals(7L, f.get("device_peak_bytes"));
    assertEquals(1.5, (double) f.get("device_forward_backward_tflops"), 1e-12); // 3 * 2e9 FLOP / 4 ms = 1.5e12 FLOP/s
  }

  @Test
  void switchesAreHonoured() throws Exception {
    CliTestSupport.Run r = CliTestSupport.run("bench", "lact-op", "--backend", "reference", "--dtype", "float64",
        "--n", "1", "--d-in", "4", "--d-h", "4", "--length", "16", "--chunk", "4", "--no-muon", "--no-momentum",
        "--prenorm", "--warmup", "0", "--runs", "1");
    assertEquals(0, r.status(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.lastLine());
    assertEquals(18.0 * 4 * 4 * 16, j.get("forward_flops").asDouble(), 1e-9);
    assertTrue(!j.get("muon").asBoolean() && !j.get("momentum").asBoolean() && j.get("prenorm").asBoolean());
  }

  @Test
  void badOptionsAreRejectedNamingTheOption() {
    CliTestSupport.Run r = CliTestSupport.run("bench", "lact-op", "--backend", "reference", "--length", "0");
    assertEquals(2, r.status());
    assertTrue(r.err().contains("--length = 0: must be >= 1"), r.err());
    r = CliTestSupport.run("bench", "lact-op", "--backend", "reference", "--dtype", "float32");
    assertEquals(2, r.status());
    assertTrue(r.err().contains("does not support dtype float32"), r.err());
  }
}
