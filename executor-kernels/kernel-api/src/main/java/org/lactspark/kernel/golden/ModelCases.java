package org.lactspark.kernel.golden;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.util.List;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.load.ModelConfigLoader;
import org.lactspark.conf.official.OfficialConfig;
import org.lactspark.kernel.HostTensor;

/**
 * What every runner of a {@code fixtures/lact-model}-format case reads the same way, whatever
 * computes the model: the model config (the project's own {@code model_config} when the case has
 * one, which can say what the official config cannot, such as document restart or the TTT-off
 * baseline; else the official {@code config}) and the optional {@code documents.npy} (document
 * numbers per position, 0 for padding; absent: one unpadded document per row).
 */
public final class ModelCases {
  private ModelCases() {}

  /**
   * The case's model config.
   *
   * @param source where the case is, for messages
   */
  public static ModelConfig config(JsonNode caseJson, String source) throws IOException {
    JsonNode own = caseJson.get("model_config");
    if (own != null && own.isObject()) {
      return ModelConfigLoader.load(new StringReader(own.toString()), source + " model_config", List.of());
    }
    return OfficialConfig.read(caseJson.path("config"), source + " config");
  }

  /**
   * The document numbers {@code [batch * length]} of {@code documents.npy}, or null if the case has none.
   *
   * @throws IllegalArgumentException if its size is not {@code batch * length} or a value is not a
   *     non-negative integer
   */
  public static int[] documents(CaseTensors t, java.nio.file.Path dir, int batch, int length) throws IOException {
    if (!Files.isRegularFile(dir.resolve("documents.npy"))) {
      return null;
    }
    HostTensor d = t.load("documents");
    if (d.size() != batch * length) {
      throw new IllegalArgumentException(dir + "/documents.npy: " + d.size() + " values, expected " + batch * length);
    }
    int[] out = new int[d.size()];
    for (int i = 0; i < out.length; i++) {
      double v = d.data()[i];
      if (v < 0 || v != Math.rint(v)) {
        throw new IllegalArgumentException(dir + "/documents.npy: value " + v + " at " + i + " is not a document number");
      }
      out[i] = (int) v;
    }
    return out;
  }
}
