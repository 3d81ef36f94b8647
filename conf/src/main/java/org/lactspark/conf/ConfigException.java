package org.lactspark.conf;

/**
 * A configuration value that is missing, malformed or out of range. The message names the key
 * path, the value and where it came from, for example
 * {@code model.chunkSize = 0 (file small.json line 4): must be >= 1}.
 */
public class ConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String key;
  private final Object value;
  private final String source;
  private final String problem;

  /**
   * @param key the key path, e.g. {@code model.chunkSize}
   * @param value the offending value as written
   * @param source where it came from: a file and line, or "command line"
   * @param problem what is wrong with it
   */
  public ConfigException(String key, Object value, String source, String problem) {
    super(key + (value == null || "".equals(value) ? "" : " = " + value) + " (" + source + "): " + problem);
    this.key = key;
    this.value = value;
    this.source = source;
    this.problem = problem;
  }

  /** The key path. */
  public String key() {
    return key;
  }

  /** The offending value as written. */
  public Object value() {
    return value;
  }

  /** Where the value came from. */
  public String source() {
    return source;
  }

  /** What is wrong with it. */
  public String problem() {
    return problem;
  }

  /** The same error attributed to another source. */
  public ConfigException withSource(String newSource) {
    return new ConfigException(key, value, newSource, problem);
  }
}
