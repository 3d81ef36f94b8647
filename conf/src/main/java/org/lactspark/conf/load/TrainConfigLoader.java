package org.lactspark.conf.load;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.lactspark.conf.ConfigException;
import org.lactspark.conf.TrainConfig;
import org.lactspark.conf.keys.TrainKeys;

/** Loads a {@link TrainConfig} from an optional JSON file of {@link TrainKeys} and overrides. */
public final class TrainConfigLoader {
  private static final ConfigLoader LOADER = new ConfigLoader(TrainKeys.ALL, "train");

  private TrainConfigLoader() {}

  /**
   * Loads {@code file} (null for none) and then the overrides.
   *
   * @throws IOException if the file cannot be read
   * @throws ConfigException if a value is unknown, malformed, missing or out of range
   */
  public static TrainConfig load(Path file, List<String> overrides) throws IOException {
    return LOADER.load(file, overrides, TrainConfig::new);
  }
}
