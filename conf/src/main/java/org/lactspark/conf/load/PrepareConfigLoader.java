package org.lactspark.conf.load;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.lactspark.conf.ConfigException;
import org.lactspark.conf.PrepareConfig;
import org.lactspark.conf.keys.PrepareKeys;

/**
 * Loads a {@link PrepareConfig} from an optional JSON file of {@link PrepareKeys} and
 * {@code key=value} overrides (command-line options are overrides too).
 */
public final class PrepareConfigLoader {
  private static final ConfigLoader LOADER = new ConfigLoader(PrepareKeys.ALL, "prepare");

  private PrepareConfigLoader() {}

  /**
   * Loads {@code file} (null for none) and then the overrides.
   *
   * @throws IOException if the file cannot be read
   * @throws ConfigException if a value is unknown, malformed, missing or out of range
   */
  public static PrepareConfig load(Path file, List<String> overrides) throws IOException {
    if (file == null) {
      return build(LOADER.load(overrides), "command line");
    }
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return load(r, "file " + file.getFileName(), overrides);
    }
  }

  /** Loads JSON from a reader named {@code sourceName}, then the overrides. */
  public static PrepareConfig load(Reader json, String sourceName, List<String> overrides) throws IOException {
    return build(LOADER.load(json, sourceName, overrides), sourceName);
  }

  private static PrepareConfig build(ConfigLoader.Loaded loaded, String sourceName) {
    try {
      return PrepareConfig.fromValues(loaded.values(), loaded.sources());
    } catch (ConfigException e) {
      throw e.withSource(loaded.sourceOf(e.key(), sourceName));
    }
  }
}
