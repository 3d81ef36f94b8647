/**
 * The on-disk dataset format and its Spark-free reader. A shard ({@link
 * org.lactspark.data.dataset.ShardFormat}) holds packed token sequences with their document
 * starts; {@link org.lactspark.data.dataset.ShardWriter} writes one to any stream and reports its
 * SHA-256, {@link org.lactspark.data.dataset.ShardReader} streams it back from a record cursor and
 * checks layout, record count and checksum. The manifest and the multi-shard reader come next
 * (NOTES.md).
 */
package org.lactspark.data.dataset;
