/**
 * Reads model configurations from JSON (files, presets) and {@code key=value} overrides into
 * {@link org.lactspark.conf.ModelConfig}, reporting every error with the key, the value and its
 * source (file and line, or "command line"). Depends on jackson-core.
 */
package org.lactspark.conf.load;
