/**
 * The data pipeline: Spark prepare stages turning raw text into packed, sharded token sequences,
 * the tokenisers, and the versioned on-disk dataset format with its Spark-free reader.
 *
 * <p>Status: the synthetic probes ({@code .probe}) and the dataset format with its manifest and
 * readers ({@code .dataset}) exist; the prepare stages and tokenisers come with the rest of the
 * data-pipeline issue.
 */
package org.lactspark.data;
