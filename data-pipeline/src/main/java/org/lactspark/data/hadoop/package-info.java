/**
 * The Hadoop filesystem adapter of the dataset format: a {@link
 * org.lactspark.data.hadoop.HadoopShardSource} that lets {@code DatasetReader} read from any
 * Hadoop filesystem, and {@link org.lactspark.data.hadoop.HadoopFiles}, the atomic writes and
 * output-directory rules of the prepare job. The format's core ({@code dataset}) stays JDK-only.
 */
package org.lactspark.data.hadoop;
