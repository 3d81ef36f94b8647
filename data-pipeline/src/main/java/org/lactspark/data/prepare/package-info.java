/**
 * The prepare job on Spark ({@link org.lactspark.data.prepare.PrepareJob}): input files to a
 * dataset of packed token sequences. Each stage is a plain-Java class that tests drive without
 * Spark ({@code DocumentTokenizer}, {@code Packer}, {@code Layout}, {@code ShardAssembler}),
 * wrapped by a small serialisable Spark function ({@code SparkStages}). The output is a function of
 * the inputs and the configuration only: documents are ordered by a seeded hash of their content,
 * range-partitioned on that hash, and each partition packs from start offsets the driver computes
 * from all partitions' counts, so neither partitioning nor scheduling changes a byte.
 */
package org.lactspark.data.prepare;
