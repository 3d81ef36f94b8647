package org.lactspark.conf.load;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.lactspark.conf.ConfigException;
import org.lactspark.conf.EvalConfig;
import org.lactspark.conf.keys.EvalKeys;

/** Loads a {@link EvalConfig} from an optional JSON file of {@link EvalKeys} and overrides. */
public final class EvalConfigLoader {
  private static final ConfigLoader LOADER = new ConfigLoader(EvalKeys.ALL, "eval");

  private EvalConfigLoader() {}

  /**
   * Loads {@code file} (null for none) and then the overrides.
   *
   * @throws IOException if the file cannot be read
   * @throws ConfigException if a value is unknown, malformed, missing or out of range
   */
  public static EvalConfig load(Path file, List<String> overrides) throws IOException {
    return LOADER.load(file, overrides, EvalConfig::new);
  }
}
