/**
 * The data pipeline: Spark prepare stages turning raw text into packed, sharded token sequences,
 * the tokenisers, and the versioned on-disk dataset format with its Spark-free reader.
 *
 * <p>Status: empty until the data-pipeline issue; the module exists so the module graph of
 * design.md ({@code conf <- data-pipeline <- driver}) holds from the start.
 */
package org.lactspark.data;
