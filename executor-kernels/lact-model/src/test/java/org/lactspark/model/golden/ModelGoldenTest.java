package org.lactspark.model.golden;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.golden.ConformanceRunner;
import org.lactspark.kernel.testkit.Fixtures;

class ModelGoldenTest {
  static List<Path> cases() throws IOException {
    try (Stream<Path> s = Files.list(Fixtures.lactModel())) {
      return s.filter(Files::isDirectory).sorted().toList();
    }
  }

  @ParameterizedTest
  @MethodSource("cases")
  void theDl4jModelMatchesTheOfficialModelInFloat64(Path dir) {
    ConformanceRunner.CaseResult r = ModelGolden.run(dir, "nd4j", DType.FLOAT64);
    assertFalse(r.tensors().isEmpty(), () -> "no tensors compared: " + r.error());
    assertTrue(r.passed(), () -> dir.getFileName() + ": " + r);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void theDl4jModelMatchesTheOfficialModelInFloat32(Path dir) {
    ConformanceRunner.CaseResult r = ModelGolden.run(dir, "nd4j", DType.FLOAT32);
    assertFalse(r.tensors().isEmpty(), () -> "no tensors compared: " + r.error());
    assertTrue(r.passed(), () -> dir.getFileName() + ": " + r);
  }
}
