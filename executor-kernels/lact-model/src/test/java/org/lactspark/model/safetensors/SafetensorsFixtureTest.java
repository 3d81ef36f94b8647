package org.lactspark.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Reads {@code safetensors/fixture.safetensors}, written by {@code make_fixture.py} with Python's
 * struct and json: a second implementation of the format, so reader and test cannot share a bug.
 */
class SafetensorsFixtureTest {

  private static Path fixture() throws URISyntaxException {
    return Path.of(SafetensorsFixtureTest.class.getResource("/safetensors/fixture.safetensors").toURI());
  }

  @Test
  void readsTheIndependentlyWrittenFixture() throws IOException, URISyntaxException {
    try (SafetensorsFile f = SafetensorsFile.open(fixture())) {
      assertEquals(Map.of("format", "pt"), f.metadata());
      // the header lists keys sorted by name; tensors() follows the byte buffer
      assertEquals(List.of("model.embed.weight", "model.norm.weight", "lm_head.bias"),
          f.tensors().stream().map(TensorInfo::name).toList());

      TensorInfo embed = f.info("model.embed.weight");
      assertEquals(StDType.F32, embed.dtype());
      assertArrayEquals(new long[] {2, 3}, embed.shape());
      assertArrayEquals(new float[] {0.1f, 1.5f, -3.25f, 0f, Float.MIN_VALUE, 65504f},
          f.readFloats("model.embed.weight"));

      assertEquals(StDType.BF16, f.info("model.norm.weight").dtype());
      assertArrayEquals(new float[] {1f, -2f, 0.5f, 3.140625f}, f.readFloats("model.norm.weight"));

      TensorInfo bias = f.info("lm_head.bias");
      assertEquals(new TensorInfo("lm_head.bias", StDType.F16, new long[] {2, 2}, 32, 40), bias);
      double[] h = f.readDoubles("lm_head.bias");
      assertArrayEquals(new double[] {1, -2.5, 0x1p-24, -0.0}, h);
      assertEquals(Double.doubleToLongBits(-0.0), Double.doubleToLongBits(h[3]));
    }
  }
}
