/**
 * The data pipeline: raw text to packed, sharded token sequences, and back out for training.
 * <ul>
 *   <li>{@code source}: input listing and document readers (text, lines, paragraphs, JSONL,
 *       Parquet; compressed; bad input located); Hadoop client, no Spark;</li>
 *   <li>{@code tokenize}: the tokenizer contract, the byte tokenizer and tokenizer.json loading;</li>
 *   <li>{@code prepare}: the Spark job that tokenises, shuffles, packs and shards;</li>
 *   <li>{@code dataset}: the on-disk format, its manifest and a reader that needs neither Spark nor
 *       Hadoop; {@code hadoop}: its adapter to Hadoop filesystems;</li>
 *   <li>{@code probe}: seeded synthetic long-context probes in the same format.</li>
 * </ul>
 */
package org.lactspark.data;
