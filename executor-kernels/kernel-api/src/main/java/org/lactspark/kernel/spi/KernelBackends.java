package org.lactspark.kernel.spi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds the registered backends and selects one by name or by priority. */
public final class KernelBackends {
  private static final Logger LOG = LoggerFactory.getLogger(KernelBackends.class);

  private KernelBackends() {}

  /** Every registered backend, highest priority first. */
  public static List<KernelBackend> all() {
    List<KernelBackend> list = new ArrayList<>();
    for (KernelBackend b : ServiceLoader.load(KernelBackend.class)) {
      list.add(b);
    }
    list.sort(Comparator.comparingInt(KernelBackend::priority).reversed());
    return list;
  }

  /** The names of the registered backends, highest priority first. */
  public static List<String> names() {
    return all().stream().map(KernelBackend::name).collect(Collectors.toList());
  }

  /**
   * The backend named {@code name}, or the preferred available one when {@code name} is null or
   * {@code auto}. Every backend passed over while choosing automatically is logged at WARN with its
   * reason.
   *
   * @throws IllegalArgumentException if no backend has that name
   * @throws BackendUnavailableException if the named backend (or every backend) cannot run here
   */
  public static KernelBackend select(String name) {
    List<KernelBackend> all = all();
    if (name == null || name.isBlank() || name.equals("auto")) {
      for (KernelBackend b : all) {
        Optional<String> why = b.unavailableReason();
        if (why.isEmpty()) {
          return b;
        }
        LOG.warn("backend '{}' skipped: {}", b.name(), why.get());
      }
      throw new BackendUnavailableException("no kernel backend can run here; registered: " + names());
    }
    for (KernelBackend b : all) {
      if (b.name().equals(name)) {
        Optional<String> why = b.unavailableReason();
        if (why.isPresent()) {
          throw new BackendUnavailableException("backend '" + name + "' cannot run here: " + why.get());
        }
        return b;
      }
    }
    throw new IllegalArgumentException(
        "unknown backend '" + name + "': registered backends are " + names());
  }
}
