/**
 * The data pipeline: Spark prepare stages turning raw text into packed, sharded token sequences,
 * the tokenisers, and the versioned on-disk dataset format with its Spark-free reader.
 *
 * <p>Status: only the synthetic probes ({@code .probe}) exist yet; the rest comes with the
 * data-pipeline issue.
 */
package org.lactspark.data;
