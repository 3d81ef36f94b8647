package org.lactspark.model.golden;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.golden.ConformanceRunner;
import org.lactspark.kernel.spi.KernelBackends;
import org.lactspark.kernel.testkit.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class LayerGoldenTest {
  static List<Path> cases() throws IOException {
    try (Stream<Path> s = Files.list(Fixtures.lactLayer())) {
      return s.filter(Files::isDirectory).sorted().toList();
    }
  }

  @ParameterizedTest
  @MethodSource("cases")
  void matchesTheOfficialLayerInFloat64(Path dir) {
    check(dir, DType.FLOAT64);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void matchesTheOfficialLayerInFloat32(Path dir) {
    check(dir, DType.FLOAT32);
  }

  private static void check(Path dir, DType dtype) {
    ConformanceRunner.CaseResult r = LayerGolden.run(dir, KernelBackends.select("nd4j").kernel(dtype));
    assertFalse(r.tensors().isEmpty(), () -> "no tensors compared: " + r.error());
    assertTrue(r.passed(), () -> dir.getFileName() + " " + dtype + ": " + r);
  }
}
