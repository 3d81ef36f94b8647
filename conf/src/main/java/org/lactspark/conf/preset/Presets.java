package org.lactspark.conf.preset;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.load.ModelConfigLoader;

/**
 * The shipped model presets:
 *
 * <ul>
 *   <li>{@code tiny}: 2 blocks of width 64, for tests (a training step in well under a second);
 *   <li>{@code small}: 4 blocks of width 256, context 2048, trains on 2 cores in minutes;
 *   <li>{@code 760m} and {@code 3b}: the paper's shapes (lact-spec 1.1, the Muon variants; the 3B
 *       attention-head count is 24).
 * </ul>
 */
public final class Presets {
  /** The preset names. */
  public static final List<String> NAMES = List.of("tiny", "small", "760m", "3b");

  private Presets() {}

  /**
   * The preset named {@code name}, with {@code key=value} overrides.
   *
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   * @throws org.lactspark.conf.ConfigException for a bad override
   */
  public static ModelConfig load(String name, List<String> overrides) {
    if (!NAMES.contains(name)) {
      throw new IllegalArgumentException("unknown preset '" + name + "': expected one of " + NAMES);
    }
    String resource = name + ".json";
    try (InputStream in = Presets.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("preset resource " + resource + " is missing from the jar");
      }
      try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
        return ModelConfigLoader.load(r, "preset " + name, overrides);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The preset named {@code name}. */
  public static ModelConfig load(String name) {
    return load(name, List.of());
  }
}
