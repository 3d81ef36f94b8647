/**
 * A strict reader and writer for the safetensors format of Hugging Face
 * (https://github.com/huggingface/safetensors), used to exchange weights with PyTorch checkpoints.
 *
 * <p>A file is an 8-byte little-endian unsigned header length {@code N}, then {@code N} bytes of
 * UTF-8 JSON (possibly padded at the end with spaces), then the byte buffer. The JSON object maps
 * each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}}, offsets relative to
 * the start of the byte buffer, plus an optional {@code "__metadata__"} object of strings. Tensors
 * are little-endian and row-major (C order).
 *
 * <p>{@link org.lactspark.model.safetensors.SafetensorsFile} checks every rule of the format when a
 * file is opened (header length, UTF-8, JSON, unique names, known dtypes, non-negative shapes, sizes
 * that match the shapes, a byte buffer covered exactly once with no holes or overlaps), so a
 * damaged or foreign file fails at once with a message naming the file, the tensor and the rule,
 * not later as wrong numbers. Tensor data is read on demand with positional reads, so only the
 * tensor asked for has to fit in memory. {@link org.lactspark.model.safetensors.SafetensorsWriter}
 * writes float32, float64 or bfloat16 files atomically; {@link
 * org.lactspark.model.safetensors.ShardedCheckpoint} opens a directory holding either one {@code
 * model.safetensors} or shards listed by {@code model.safetensors.index.json}. Half-precision
 * conversions live in {@link org.lactspark.model.safetensors.HalfPrecision}, because Java 17 has no
 * float16 support of its own.
 */
package org.lactspark.model.safetensors;
