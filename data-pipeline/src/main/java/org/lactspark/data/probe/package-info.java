/**
 * Seeded generators of synthetic long-context tasks (key-value recall; needles later) as plain
 * token sequences. JDK only, no Spark: the model's learning test uses them through a test-scope
 * dependency and the prepare job's probes reuse them.
 */
package org.lactspark.data.probe;
