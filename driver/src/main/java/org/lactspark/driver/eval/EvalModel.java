package org.lactspark.driver.eval;

import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.lactspark.conf.ConfigException;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.load.ModelConfigLoader;
import org.lactspark.driver.checkpoint.CheckpointStore;

/**
 * A model to evaluate: one complete checkpoint, found from a run directory (its newest) or named
 * directly, with the model configuration it was trained with.
 *
 * @param label its name in the report
 * @param location the checkpoint's directory
 * @param step its training step
 * @param config the model configuration
 * @param modelJson that configuration as JSON
 * @param trainingDataset the dataset it was trained on, as its run recorded it (null if unknown)
 * @param trainedTokens tokens it was trained on (steps times the batch's tokens), -1 if unknown
 */
public record EvalModel(String label, String location, int step, ModelConfig config, String modelJson,
    String trainingDataset, long trainedTokens) {
  /** The subdirectory of a run directory that holds its checkpoints (as {@code TrainJob} writes it). */
  public static final String CHECKPOINTS = "checkpoints";

  /**
   * Resolves {@code given} (the value of configuration key {@code key}, from {@code source}).
   *
   * @throws ConfigException naming the key when nothing usable is there
   */
  public static EvalModel resolve(String label, String given, String key, String source, Configuration conf)
      throws IOException {
    Path p = new Path(given);
    if (!p.getFileSystem(conf).exists(p)) {
      throw new ConfigException(key, given, source, "does not exist");
    }
    if (CheckpointStore.isCheckpoint(given)) {
      return of(label, header(given, key, source, conf), key, source);
    }
    List<CheckpointStore.Entry> entries = new CheckpointStore(checkpointsOf(given, conf), conf).list();
    if (entries.isEmpty()) {
      throw new ConfigException(key, given, source,
          "holds no complete checkpoint (a run directory holds step-N directories; a training run writes its first "
              + "at its first checkpoint)");
    }
    return of(label, header(entries.get(0).location(), key, source, conf), key, source);
  }

  /**
   * Where a run directory keeps its checkpoints ({@code <run>/checkpoints}, as training writes
   * them); a directory without that subdirectory is taken to be the checkpoints directory itself.
   */
  public static String checkpointsOf(String dir, Configuration conf) throws IOException {
    Path sub = new Path(dir, CHECKPOINTS);
    return sub.getFileSystem(conf).isDirectory(sub) ? sub.toString() : dir;
  }

  /** The model of the checkpoint at {@code location}, already known to be complete. */
  public static EvalModel at(String label, String location, Configuration conf) throws IOException {
    return of(label, CheckpointStore.header(location, conf), "checkpoint", location);
  }

  private static CheckpointStore.Header header(String location, String key, String source, Configuration conf) {
    try {
      return CheckpointStore.header(location, conf);
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(key, location, source, "is not a readable checkpoint: " + e.getMessage());
    }
  }

  private static EvalModel of(String label, CheckpointStore.Header h, String key, String source) throws IOException {
    if (h.modelJson() == null) {
      throw new ConfigException(key, h.location(), source, "checkpoint.json records no model configuration");
    }
    ModelConfig c = ModelConfigLoader.load(new StringReader(h.modelJson()), h.location() + "/checkpoint.json",
        List.of());
    return new EvalModel(label, h.location(), h.step(), c, h.modelJson(),
        h.config() == null ? null : h.config().get("dataset"), trainedTokens(h));
  }

  private static long trainedTokens(CheckpointStore.Header h) {
    String batch = h.config() == null ? null : h.config().get("batchTokens");
    try {
      return batch == null ? -1 : (long) h.step() * Long.parseLong(batch);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The parameters, checked against the checkpoint's checksum. */
  public float[] params(Configuration conf) throws IOException {
    return CheckpointStore.params(location, conf);
  }

  /** The model built from its configuration with this checkpoint's parameters installed (on this JVM). */
  public org.deeplearning4j.nn.graph.ComputationGraph graph(Configuration conf) throws IOException {
    org.deeplearning4j.nn.graph.ComputationGraph g =
        org.lactspark.model.graph.LactModels.build(config, org.lactspark.model.graph.LactModels.Options.defaults());
    float[] p = params(conf);
    g.params().assign(org.nd4j.linalg.factory.Nd4j.create(p, g.params().shape(), 'c'));
    return g;
  }

  /**
   * The run directory this checkpoint belongs to, where reports go by default: the parent of its
   * {@code checkpoints} directory.
   */
  public String runDir() {
    Path parent = new Path(location).getParent();
    return parent.getName().equals(CHECKPOINTS) && parent.getParent() != null ? parent.getParent().toString()
        : parent.toString();
  }
}
