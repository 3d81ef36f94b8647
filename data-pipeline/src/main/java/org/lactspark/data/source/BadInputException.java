package org.lactspark.data.source;

import java.io.IOException;

/**
 * Thrown by a {@link DocumentReader} for input that cannot become a document. The document in
 * progress is dropped; the reader can go on with the next one unless {@link #endsFile()}.
 */
public final class BadInputException extends IOException {
  private static final long serialVersionUID = 1L;

  private final BadInput problem;
  private final boolean endsFile;

  /** A problem; {@code endsFile} when nothing more of the file can be read. */
  public BadInputException(BadInput problem, boolean endsFile, Throwable cause) {
    super(problem.toString(), cause);
    this.problem = problem;
    this.endsFile = endsFile;
  }

  /** What went wrong and where. */
  public BadInput problem() {
    return problem;
  }

  /** Whether the rest of the file is lost (the reader returns no more documents). */
  public boolean endsFile() {
    return endsFile;
  }
}
