/**
 * Typed, immutable, validated configuration: {@link org.lactspark.conf.ModelConfig} and {@link
 * org.lactspark.conf.ConfigException}, whose messages name the key path, the value and its source.
 * The key table lives in {@code .keys}, loading in {@code .load}, the shipped presets in {@code
 * .preset}. Depends on the JDK (and jackson-core for loading); no Spark, no ND4J.
 *
 * <p>The LaCT op's own settings ({@code org.lactspark.kernel.LactSpec}) live in {@code kernel-api}
 * instead, because the compute-only commands must run without this module.
 */
package org.lactspark.conf;
