package org.lactspark.model.graph;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.load.ModelConfigLoader;

/**
 * The project's model file: DL4J's model zip (configuration JSON, flat parameters, optionally the
 * DL4J updater state) plus the model config as the project's JSON, under {@value #CONFIG_ENTRY}.
 * Checkpoints of the train job and imported official models are files of this kind. A file is
 * written to a temporary sibling and moved into place, so a crash never leaves a half-written
 * file under the final name.
 */
public final class ModelFiles {
  /** The zip entry (DL4J "object" entry) holding the model config JSON. */
  public static final String CONFIG_ENTRY = "lact-model-config";

  private ModelFiles() {}

  /** Writes {@code graph} and its {@code config} to {@code file}, replacing it atomically. */
  public static void save(ComputationGraph graph, ModelConfig config, Path file, boolean withUpdater)
      throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".partial");
    try {
      ModelSerializer.writeModel(graph, tmp.toFile(), withUpdater);
      ModelSerializer.addObjectToFile(tmp.toFile(), CONFIG_ENTRY, ModelConfigLoader.toJson(config));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Loads the graph of a model file.
   *
   * @throws IOException naming the file if it is missing or not a model file
   */
  public static ComputationGraph load(Path file, boolean withUpdater) throws IOException {
    requireFile(file);
    try {
      ComputationGraph graph = ModelSerializer.restoreComputationGraph(file.toFile(), withUpdater);
      LactModels.connect(graph);
      return graph;
    } catch (RuntimeException e) {
      throw new IOException(file + ": not a LaCT model file (" + e.getMessage() + ")", e);
    }
  }

  /**
   * The model config stored in a model file.
   *
   * @throws IOException naming the file if it has none
   */
  public static ModelConfig config(Path file) throws IOException {
    requireFile(file);
    String json;
    try {
      json = ModelSerializer.getObjectFromFile(file.toFile(), CONFIG_ENTRY);
    } catch (RuntimeException e) {
      throw new IOException(file + ": no model config entry '" + CONFIG_ENTRY + "' (" + e.getMessage() + ")", e);
    }
    return ModelConfigLoader.load(new java.io.StringReader(json), file + "!" + CONFIG_ENTRY, java.util.List.of());
  }

  private static void requireFile(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + ": no such model file");
    }
  }
}
