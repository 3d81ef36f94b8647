package org.lactspark.conf.load;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.lactspark.conf.ConfigException;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.keys.ModelKeys;

/**
 * Loads a {@link ModelConfig}: a flat JSON object of {@link ModelKeys} (absent keys take their
 * defaults), then {@code key=value} overrides, then validation ({@link ConfigLoader}). Every error
 * is one {@link ConfigException} naming the key, the value and where it came from.
 */
public final class ModelConfigLoader {
  private static final ConfigLoader LOADER = new ConfigLoader(ModelKeys.ALL, "model");

  private ModelConfigLoader() {}

  /**
   * Loads a JSON file.
   *
   * @throws IOException if the file cannot be read
   * @throws ConfigException if a value is unknown, malformed, missing or out of range
   */
  public static ModelConfig load(Path file, List<String> overrides) throws IOException {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return load(r, "file " + file.getFileName(), overrides);
    }
  }

  /**
   * Loads JSON from a reader; {@code sourceName} names it in errors (for example "preset tiny").
   *
   * @throws IOException if the reader fails
   * @throws ConfigException if a value is unknown, malformed, missing or out of range
   */
  public static ModelConfig load(Reader json, String sourceName, List<String> overrides) throws IOException {
    ConfigLoader.Loaded loaded = LOADER.load(json, sourceName, overrides);
    try {
      return ModelConfig.fromValues(loaded.values());
    } catch (ConfigException e) {
      throw e.withSource(loaded.sourceOf(e.key(), sourceName));
    }
  }

  /** The configuration as a JSON object of every key, in documentation order. */
  public static String toJson(ModelConfig c) {
    return ConfigLoader.toJson(c.values());
  }
}
