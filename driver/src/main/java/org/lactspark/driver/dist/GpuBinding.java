package org.lactspark.driver.dist;

import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.lactspark.model.engine.Nd4jDevices;

/**
 * The GPU Spark assigned a task ({@code spark.task.resource.gpu.amount}, the executor's
 * discovery script): its address is the device the task's model engine runs on, and models are
 * kept per device, so each executor computes on the GPUs it was given. Without a GPU resource
 * (CPU executors, local runs) the device is -1. This is the one place that reads Spark's resources:
 * the engines themselves take a device number and know nothing of Spark.
 */
public final class GpuBinding {
  private GpuBinding() {}

  /**
   * The current task's GPU (its first assigned address), or -1 outside a task or without a GPU.
   *
   * @throws IllegalStateException if the address is not a device index
   */
  public static int currentDevice() {
    TaskContext ctx = TaskContext.get();
    if (ctx == null) {
      return -1;
    }
    Map<String, ResourceInformation> resources = ctx.resourcesJMap();
    ResourceInformation gpu = resources == null ? null : resources.get("gpu");
    if (gpu == null || gpu.addresses().length == 0) {
      return -1;
    }
    String address = gpu.addresses()[0].trim();
    try {
      int device = Integer.parseInt(address);
      if (device < 0) {
        throw new NumberFormatException("negative");
      }
      return device;
    } catch (NumberFormatException e) {
      throw new IllegalStateException("Spark assigned GPU address '" + address + "' to task " + ctx.taskAttemptId()
          + ": expected a device index (0, 1, ...) as the GPU discovery script reports them", e);
    }
  }

  /**
   * The current task's GPU as {@link #currentDevice()}, with the task's thread put on it for ND4J
   * when ND4J runs on its CUDA backend (the DL4J graph of evaluation and of the nd4j engine
   * computes on the thread's device).
   */
  public static int bindCurrentTask() {
    int device = currentDevice();
    Nd4jDevices.bind(device);
    return device;
  }
}
