/**
 * The on-disk dataset format and its Spark-free reader. A shard ({@link
 * org.lactspark.data.dataset.ShardFormat}) holds packed token sequences with their document
 * starts; {@link org.lactspark.data.dataset.ShardWriter} writes one to any stream and reports its
 * SHA-256, {@link org.lactspark.data.dataset.ShardReader} streams it back from a record cursor and
 * checks layout, record count and checksum. A {@link org.lactspark.data.dataset.Manifest}, written
 * last and atomically, makes a directory a dataset; {@link org.lactspark.data.dataset.DatasetReader}
 * streams a split across its shards from a resumable cursor, over any {@link
 * org.lactspark.data.dataset.ShardSource} (a local directory here; {@code org.lactspark.data.hadoop.HadoopShardSource} for Hadoop filesystems).
 */
package org.lactspark.data.dataset;
