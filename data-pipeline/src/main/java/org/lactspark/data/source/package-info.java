/**
 * Input files to document text: the listing of inputs on any Hadoop filesystem ({@link
 * org.lactspark.data.source.InputListing}), and readers of text, line, paragraph, JSONL and
 * Parquet files ({@link org.lactspark.data.source.DocumentReaders}) that decompress by suffix,
 * decode strict UTF-8, drop byte-order marks and CRLF carriage returns, stream long lines in
 * bounded chunks, and report bad input with its location ({@link
 * org.lactspark.data.source.BadInput}) so the caller can fail or skip. Hadoop client only; no Spark.
 */
package org.lactspark.data.source;
