package org.lactspark.kernel.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.lactspark.kernel.spi.BackendUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds the registered {@link TrainStepBenchmark}s and selects one by its backend's name. */
public final class TrainStepBenchmarks {
  private static final Logger LOG = LoggerFactory.getLogger(TrainStepBenchmarks.class);

  private TrainStepBenchmarks() {}

  /**
   * Every registered benchmark, by backend name. One whose class cannot be loaded (a jar without
   * its dependencies) is logged at WARN and left out, so the others still run.
   */
  public static List<TrainStepBenchmark> all() {
    List<TrainStepBenchmark> list = new ArrayList<>();
    Iterator<TrainStepBenchmark> it = ServiceLoader.load(TrainStepBenchmark.class).iterator();
    while (true) {
      try {
        if (!it.hasNext()) {
          break;
        }
        list.add(it.next());
      } catch (ServiceConfigurationError e) {
        LOG.warn("a train-step benchmark could not be loaded and is skipped: {}", e.getMessage());
      }
    }
    list.sort(Comparator.comparing(TrainStepBenchmark::backend));
    return list;
  }

  /** The backend names of the registered benchmarks, sorted. */
  public static List<String> names() {
    return all().stream().map(TrainStepBenchmark::backend).toList();
  }

  /**
   * The benchmark of backend {@code name}.
   *
   * @throws IllegalArgumentException if none is registered under that name (the message lists the
   *     registered ones)
   * @throws BackendUnavailableException if it cannot run here, with its reason
   */
  public static TrainStepBenchmark select(String name) {
    List<TrainStepBenchmark> all = all();
    for (TrainStepBenchmark b : all) {
      if (b.backend().equals(name)) {
        Optional<String> why = b.unavailableReason();
        if (why.isPresent()) {
          throw new BackendUnavailableException("train-step backend '" + name + "' cannot run here: " + why.get());
        }
        return b;
      }
    }
    throw new IllegalArgumentException("unknown train-step backend '" + name + "': registered are "
        + all.stream().map(TrainStepBenchmark::backend).toList()
        + " (nd4j comes with lact-model, cuda with kernel-cuda)");
  }
}
