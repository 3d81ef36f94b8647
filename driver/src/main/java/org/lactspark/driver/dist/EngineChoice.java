package org.lactspark.driver.dist;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.model.ModelEngineProvider;
import org.lactspark.kernel.model.ModelEngines;
import org.lactspark.kernel.spi.BackendUnavailableException;
import org.lactspark.model.engine.Nd4jDevices;
import org.lactspark.model.engine.Nd4jEngineProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses an executor's model engine (train key {@code engine}) for the device Spark assigned its
 * task. A GPU task that ends up on an engine other than the one preferred, or on nd4j computing on
 * the CPU, is worth one warning per executor JVM, not one per task: each distinct message is
 * logged once. Without a GPU, {@code auto} passing over a GPU engine is expected and logged at
 * debug level only.
 */
final class EngineChoice {
  private static final Logger LOG = LoggerFactory.getLogger(EngineChoice.class);
  /** The warnings this JVM has logged. */
  private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

  private EngineChoice() {}

  /**
   * The provider of {@code engine} ({@code auto}, {@code nd4j}, {@code cuda}) for {@code model}
   * on {@code device} (-1: none).
   *
   * @throws BackendUnavailableException if the named engine cannot run here, with why and where
   */
  static ModelEngineProvider choose(String engine, ModelConfig model, int device) {
    List<String> skipped = new ArrayList<>();
    ModelEngineProvider p;
    try {
      p = ModelEngines.select(engine, model, device, (q, why) -> skipped.add("'" + q.name() + "' cannot run: " + why));
    } catch (BackendUnavailableException e) {
      throw new BackendUnavailableException("train key engine = " + engine + " on " + where(device) + ": "
          + e.getMessage());
    }
    if (!skipped.isEmpty()) {
      String line = "model engine on " + where(device) + ": " + String.join("; ", skipped) + "; training with '"
          + p.name() + "' instead";
      if (device >= 0) {
        warnOnce(line + " (said once per executor JVM)");
      } else {
        LOG.debug(line);
      }
    } else if (device >= 0 && p.name().equals(Nd4jEngineProvider.NAME) && !Nd4jDevices.cuda()) {
      warnOnce("Spark assigned GPU " + device + " to this task, but the nd4j engine computes on "
          + Nd4jDevices.describe(device) + ": build with -Pcuda, or use engine=auto with the native CUDA engine "
          + "(said once per executor JVM)");
    }
    return p;
  }

  private static String where(int device) {
    return device >= 0 ? "GPU " + device : "an executor without a GPU";
  }

  private static void warnOnce(String line) {
    if (WARNED.add(line)) {
      LOG.warn(line);
    }
  }
}
