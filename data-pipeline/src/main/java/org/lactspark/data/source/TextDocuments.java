package org.lactspark.data.source;

import java.io.IOException;

/**
 * Documents of a plain text file: the whole file ({@link InputFormat#TEXT}), each non-blank line
 * ({@link InputFormat#LINES}) or each run of non-blank lines ({@link InputFormat#PARAGRAPHS}).
 * Lines are joined with {@code \n}; a document's text is cut into chunks of about {@link
 * #CHUNK_CHARS} characters. Blank lines that only separate documents (and leading or trailing
 * blank lines of a whole-file document) are not text; in line mode a blank line is an empty
 * document, counted by {@link #blanksSkipped()}.
 */
final class TextDocuments implements DocumentReader {
  /** Characters gathered before a chunk is handed on. */
  static final int CHUNK_CHARS = 1 << 20;

  private final LineSource lines;
  private final String name;
  private final InputFormat format;
  private final StringBuilder text = new StringBuilder();
  private boolean inDoc;
  private boolean firstChunk;
  private String docLocation;
  private long ordinal;
  private long blanks;
  private int pendingNewlines;
  private boolean skipping;
  private boolean ended;
  private boolean sawText;

  TextDocuments(LineSource lines, String name, InputFormat format) {
    this.lines = lines;
    this.name = name;
    this.format = format;
  }

  @Override
  public TextChunk next() throws IOException {
    while (!ended) {
      if (!read()) {
        ended = true;
        if (inDoc) {
          return flush(true);
        }
        if (!sawText) {
          throw new BadInputException(new BadInput(BadInput.EMPTY_FILE, name, "the file holds no text"), true, null);
        }
        return null;
      }
      TextChunk c = format == InputFormat.LINES ? line() : block();
      if (c != null) {
        return c;
      }
    }
    return null;
  }

  /** Reads a piece; turns a failed read or bad bytes into the document's loss. */
  private boolean read() throws IOException {
    try {
      return lines.next();
    } catch (LineSource.Malformed e) {
      boolean endsFile = format == InputFormat.TEXT;
      String where = name + " line " + e.line;
      dropDocument();
      // lines: the rest of the bad line; paragraphs: the rest of the paragraph
      skipping = format == InputFormat.PARAGRAPHS || (format == InputFormat.LINES && !lines.lineEnd());
      ended = endsFile;
      throw new BadInputException(new BadInput(BadInput.NOT_UTF8, where, "bytes that are not UTF-8 at byte "
          + e.lineByte + " of the line" + (endsFile ? "; the file is one document and is left out" : "")), endsFile, e);
    } catch (IOException e) {
      dropDocument();
      ended = true;
      throw new BadInputException(new BadInput(BadInput.UNREADABLE, name + " line " + lines.line(),
          "the read failed (" + e + "): a truncated or corrupt file; the documents before this one are kept"), true, e);
    }
  }

  private void dropDocument() {
    inDoc = false;
    text.setLength(0);
    pendingNewlines = 0;
  }

  private boolean blankLine() {
    return lines.lineStart() && lines.lineEnd() && lines.text().isBlank();
  }

  private TextChunk line() {
    if (skipping) {
      skipping = !lines.lineEnd();
      return null;
    }
    if (blankLine()) {
      blanks++;
      return null;
    }
    sawText = true;
    if (lines.lineStart()) {
      docLocation = name + " line " + lines.line();
    }
    TextChunk c = new TextChunk(docLocation, ordinal, lines.lineStart(), lines.lineEnd(), lines.text());
    if (lines.lineEnd()) {
      ordinal++;
    }
    return c;
  }

  private TextChunk block() {
    boolean blank = blankLine();
    if (skipping) {
      // a paragraph with bad bytes is left out up to the next blank line
      skipping = !blank;
      return null;
    }
    if (blank) {
      if (format == InputFormat.PARAGRAPHS) {
        // blank lines separate paragraphs: not empty documents
        return inDoc ? flush(true) : null;
      }
      if (inDoc) {
        pendingNewlines++;
      }
      return null;
    }
    sawText = true;
    if (!inDoc) {
      inDoc = true;
      firstChunk = true;
      docLocation = name + " line " + lines.line();
    } else if (lines.lineStart()) {
      text.append("\n".repeat(pendingNewlines + 1));
      pendingNewlines = 0;
    }
    text.append(lines.text());
    return text.length() >= CHUNK_CHARS ? flush(false) : null;
  }

  private TextChunk flush(boolean last) {
    TextChunk c = new TextChunk(docLocation, ordinal, firstChunk, last, text.toString());
    text.setLength(0);
    firstChunk = false;
    if (last) {
      inDoc = false;
      pendingNewlines = 0;
      ordinal++;
    }
    return c;
  }

  @Override
  public long blanksSkipped() {
    return blanks;
  }

  @Override
  public void close() throws IOException {
    lines.close();
  }
}
