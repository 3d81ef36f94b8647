/**
 * Typed, immutable, validated configuration (model, data, training, cluster) and the shipped
 * presets. Depends on the JDK only; no Spark, no ND4J.
 *
 * <p>Status: the model presets arrive with the LaCT-model issue. The op's own settings are {@link
 * org.lactspark.conf.ConfigException}-free value types in {@code kernel-api}
 * ({@code org.lactspark.kernel.LactSpec}), because the compute-only commands must run without this
 * module.
 */
package org.lactspark.conf;
