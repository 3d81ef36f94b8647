package org.lactspark.kernel.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.spi.BackendUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds the registered model engines and picks one by name, or the preferred one that can run. */
public final class ModelEngines {
  private static final Logger LOG = LoggerFactory.getLogger(ModelEngines.class);

  private ModelEngines() {}

  /** Every registered provider, highest priority first. */
  public static List<ModelEngineProvider> all() {
    List<ModelEngineProvider> list = new ArrayList<>();
    for (ModelEngineProvider p : ServiceLoader.load(ModelEngineProvider.class)) {
      list.add(p);
    }
    list.sort(Comparator.comparingInt(ModelEngineProvider::priority).reversed());
    return list;
  }

  /** The registered names, highest priority first. */
  public static List<String> names() {
    return all().stream().map(ModelEngineProvider::name).collect(Collectors.toList());
  }

  /**
   * The provider named {@code name}, or with {@code auto} (or null) the highest-priority one that
   * can run {@code config} on {@code device}; each passed over is logged at WARN with its reason.
   *
   * @param device the GPU Spark assigned, or -1
   * @throws IllegalArgumentException if no provider has that name
   * @throws BackendUnavailableException if the named one (or every one) cannot run here, with why
   */
  public static ModelEngineProvider select(String name, ModelConfig config, int device) {
    return select(name, config, device, (p, why) -> LOG.warn("model engine '{}' skipped: {}", p.name(), why));
  }

  /**
   * As {@link #select(String, ModelConfig, int)}, telling {@code skipped} of each provider that
   * {@code auto} passes over and why, instead of logging it: a caller that chooses once per task
   * decides itself how often (and at which level) to say so.
   */
  public static ModelEngineProvider select(String name, ModelConfig config, int device,
      BiConsumer<ModelEngineProvider, String> skipped) {
    List<ModelEngineProvider> all = all();
    if (name == null || name.isBlank() || name.equals("auto")) {
      for (ModelEngineProvider p : all) {
        Optional<String> why = p.unavailableReason(config, device);
        if (why.isEmpty()) {
          return p;
        }
        skipped.accept(p, why.get());
      }
      throw new BackendUnavailableException("no model engine can run here; registered: " + names());
    }
    for (ModelEngineProvider p : all) {
      if (p.name().equals(name)) {
        Optional<String> why = p.unavailableReason(config, device);
        if (why.isPresent()) {
          throw new BackendUnavailableException("model engine '" + name + "' cannot run here: " + why.get());
        }
        return p;
      }
    }
    throw new IllegalArgumentException("unknown model engine '" + name + "': registered " + names());
  }
}
