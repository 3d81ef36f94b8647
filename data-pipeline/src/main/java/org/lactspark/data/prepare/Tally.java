package org.lactspark.data.prepare;

import org.lactspark.data.source.BadInput;

/**
 * Where the tokenising stage reports what it read (Spark accumulators in the job, plain counters in
 * tests). Reports are for progress and the summary; the dataset's contents never depend on them.
 */
interface Tally {
  /** A document of {@code tokens} tokens went to {@code split}; its text had {@code chars} characters. */
  void document(Split split, long tokens, long chars);

  /** A blank line, empty value or a document without tokens was passed over. */
  void blank(long count);

  /** Bad input was left out (policy skip). */
  void problem(int file, BadInput problem);

  /** A file was read to its end; it had {@code bytes} bytes on its filesystem. */
  void fileDone(long bytes);
}
