package org.lactspark.conf.load;

import java.io.IOException;
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
    return LOADER.load(file, overrides, PrepareConfig::fromValues);
  }
}
