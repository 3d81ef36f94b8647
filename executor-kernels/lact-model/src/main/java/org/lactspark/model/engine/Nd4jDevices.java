package org.lactspark.model.engine;

import java.util.Locale;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Which device ND4J computes on: its CPU backend ignores a GPU, its CUDA backend keeps arrays per
 * thread on a device, so a thread must be put on the task's GPU before it builds or runs a graph.
 */
public final class Nd4jDevices {
  private Nd4jDevices() {}

  /** Whether ND4J's backend is its CUDA one (built with {@code -Pcuda}). */
  public static boolean cuda() {
    return Nd4j.getBackend().getClass().getName().toLowerCase(Locale.ROOT).contains("cuda");
  }

  /** Puts the current thread on GPU {@code device} when ND4J runs on CUDA; otherwise (or for -1) nothing. */
  public static void bind(int device) {
    if (device >= 0 && cuda()) {
      Nd4j.getAffinityManager().unsafeSetDevice(device);
    }
  }

  /** Where ND4J computes for {@code device} (-1: none), for logs. */
  public static String describe(int device) {
    String backend = Nd4j.getBackend().getClass().getSimpleName();
    if (device >= 0 && cuda()) {
      return "GPU " + device + " (ND4J " + backend + ")";
    }
    return "CPU (ND4J " + backend + ")";
  }
}
