package org.lactspark.kernel.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lactspark.kernel.HostTensor;

/** What Npy writes, Npy (and so NumPy's format rules) reads back exactly. */
class NpyWriteTest {
  @TempDir Path dir;

  @Test
  void float64ArraysOfEveryRankRoundTrip() throws IOException {
    double[] values = {1.5, -2.25, Double.MIN_VALUE, 1e300, 0.1, -0.0};
    for (int[] shape : new int[][] {{6}, {2, 3}, {1, 2, 3}}) {
      Path f = dir.resolve("a" + shape.length + ".npy");
      Npy.write(f, HostTensor.of(values.clone(), shape));
      HostTensor back = Npy.read(f);
      assertArrayEquals(shape, back.shape());
      assertArrayEquals(values, back.data(), 0.0);
      // NumPy's rule: the data starts at a multiple of 64 bytes
      assertEquals(0, (Files.size(f) - 8L * values.length) % 64);
    }
  }

  @Test
  void aScalarHasTheEmptyShape() throws IOException {
    Path f = dir.resolve("s.npy");
    Npy.write(f, HostTensor.of(new double[] {3.25}));
    HostTensor back = Npy.read(f);
    assertEquals(0, back.rank());
    assertEquals(3.25, back.data()[0]);
  }

  @Test
  void int64ArraysRoundTripAndTheirCountIsChecked() throws IOException {
    Path f = dir.resolve("ids.npy");
    Npy.writeInt64(f, new long[] {0, 255, -100, 7}, 2, 2);
    HostTensor back = Npy.read(f);
    assertArrayEquals(new int[] {2, 2}, back.shape());
    assertArrayEquals(new double[] {0, 255, -100, 7}, back.data(), 0.0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Npy.writeInt64(dir.resolve("bad.npy"), new long[] {1, 2, 3}, 2, 2));
    assertEquals(true, e.getMessage().contains("3 values for shape [2, 2]"), e.getMessage());
  }
}
