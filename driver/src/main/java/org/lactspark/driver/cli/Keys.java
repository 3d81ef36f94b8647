package org.lactspark.driver.cli;

import java.io.PrintWriter;
import java.util.List;
import org.lactspark.conf.keys.ConfigKey;

/** Prints a table of configuration keys (for the commands' {@code --help-keys}). */
final class Keys {
  private Keys() {}

  static void print(PrintWriter o, List<ConfigKey> keys) {
    for (ConfigKey k : keys) {
      Object d = k.defaultValue();
      o.println(k.name() + " (" + k.type().describe() + (d == null ? ", required" : ", default " + (d.equals("") ? "\"\"" : d))
          + "): " + k.doc());
    }
    o.flush();
  }

  /** Adds {@code key=value} to {@code overrides} when an option gave a value. */
  static void override(List<String> overrides, String key, Object value) {
    if (value != null) {
      overrides.add(key + "=" + value);
    }
  }
}
