package org.lactspark.kernel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code bench lact-op} on the reference backend: the JSON it prints and its option checks. */
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
