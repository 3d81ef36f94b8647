package org.lactspark.data.source;

import java.io.Closeable;
import java.io.IOException;

/**
 * Streams the documents of one input file as {@link TextChunk}s. A {@link BadInputException}
 * drops the document in progress (its earlier chunks must be discarded by the caller); calling
 * {@link #next()} again goes on with the next document unless the exception {@link
 * BadInputException#endsFile() ends the file}. Not thread-safe.
 */
public interface DocumentReader extends Closeable {
  /** The next chunk, or null when the file has no more documents. */
  TextChunk next() throws IOException;

  /** Blank lines or empty values passed over (not documents, not errors). */
  long blanksSkipped();
}
