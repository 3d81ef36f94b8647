/**
 * Typed, immutable, validated configuration (model, data, training, cluster) and the shipped
 * presets. Depends on the JDK only; no Spark, no ND4J.
 *
 * <p>Status: the model configuration and presets arrive with the LaCT-model issue. The LaCT op's own
 * settings ({@code org.lactspark.kernel.LactSpec}) live in {@code kernel-api} instead, because the
 * compute-only commands must run without this module.
 */
package org.lactspark.conf;
