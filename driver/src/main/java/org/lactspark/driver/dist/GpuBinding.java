package org.lactspark.driver.dist;

import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds a task to the GPU Spark assigned it ({@code spark.task.resource.gpu.amount}): the task's
 * thread is put on that device before it borrows a model, and models are kept per device, so each
 * executor computes on the GPUs it was given. Without a GPU resource (the CPU backend, local runs)
 * it does nothing.
 */
public final class GpuBinding {
  private static final Logger LOG = LoggerFactory.getLogger(GpuBinding.class);
  private static volatile boolean warned;

  private GpuBinding() {}

  /**
   * Puts the current task's thread on its assigned GPU, if any; returns the suffix that keys the
   * executor-resident models by device ({@code ""} without one).
   */
  public static String bindCurrentTask() {
    TaskContext ctx = TaskContext.get();
    if (ctx == null) {
      return "";
    }
    Map<String, ResourceInformation> resources = ctx.resourcesJMap();
    ResourceInformation gpu = resources == null ? null : resources.get("gpu");
    if (gpu == null || gpu.addresses().length == 0) {
      return "";
    }
    int device = Integer.parseInt(gpu.addresses()[0].trim());
    if (!cudaBackend()) {
      if (!warned) {
        warned = true;
        LOG.warn("Spark assigned GPU {} to this task, but ND4J runs on {}: build with -Pcuda for GPU executors",
            device, Nd4j.getBackend().getClass().getSimpleName());
      }
      return "";
    }
    Nd4j.getAffinityManager().unsafeSetDevice(device);
    return "@gpu" + device;
  }

  private static boolean cudaBackend() {
    return Nd4j.getBackend().getClass().getName().toLowerCase(java.util.Locale.ROOT).contains("cuda");
  }
}
