package org.lactspark.data.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * Documents of a JSON Lines file: each non-blank line is a JSON object whose {@code field} holds
 * the document's text. A line must be held whole to be parsed, so lines longer than {@link
 * #MAX_LINE_CHARS} are bad input; the text itself is handed on in chunks.
 */
final class JsonlDocuments implements DocumentReader {
  /** The longest JSONL line read (characters). */
  static final int MAX_LINE_CHARS = 64 << 20;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final LineSource lines;
  private final String name;
  private final String field;
  private final StringBuilder line = new StringBuilder();
  private final PendingText pending = new PendingText();
  private String docLocation;
  private long ordinal;
  private long blanks;
  private boolean ended;
  private boolean sawLine;

  JsonlDocuments(LineSource lines, String name, String field) {
    this.lines = lines;
    this.name = name;
    this.field = field;
  }

  @Override
  public TextChunk next() throws IOException {
    while (true) {
      if (!pending.isEmpty()) {
        return pending.next();
      }
      if (ended) {
        return null;
      }
      String json = readLine();
      if (json == null) {
        ended = true;
        if (!sawLine) {
          throw new BadInputException(new BadInput(BadInput.EMPTY_FILE, name, "the file holds no JSON lines"), true,
              null);
        }
        return null;
      }
      if (json.isBlank()) {
        blanks++;
        continue;
      }
      sawLine = true;
      String text = textOf(json);
      if (text.isEmpty()) {
        blanks++;
        continue;
      }
      pending.set(text, docLocation, ordinal++);
    }
  }

  /** The next whole line, or null at the end of the file. */
  private String readLine() throws IOException {
    line.setLength(0);
    boolean tooLong = false;
    do {
      boolean more;
      try {
        more = lines.next();
      } catch (LineSource.Malformed e) {
        skipRestOfLine();
        throw bad(BadInput.NOT_UTF8, name + " line " + e.line, "bytes that are not UTF-8 at byte " + e.lineByte
            + " of the line", false, e);
      } catch (IOException e) {
        ended = true;
        throw bad(BadInput.UNREADABLE, name + " line " + lines.line(), "the read failed (" + e
            + "): a truncated or corrupt file; the documents before this one are kept", true, e);
      }
      if (!more) {
        return null;
      }
      if (lines.lineStart()) {
        docLocation = name + " line " + lines.line();
      }
      if (!tooLong && line.length() + lines.text().length() > MAX_LINE_CHARS) {
        tooLong = true;
      }
      if (!tooLong) {
        line.append(lines.text());
      }
    } while (!lines.lineEnd());
    if (tooLong) {
      throw bad(BadInput.TOO_LONG, docLocation, "a JSON line longer than " + MAX_LINE_CHARS + " characters", false,
          null);
    }
    return line.toString();
  }

  private void skipRestOfLine() throws IOException {
    while (!lines.lineEnd()) {
      if (!nextQuietly()) {
        return;
      }
    }
  }

  private boolean nextQuietly() throws IOException {
    try {
      return lines.next();
    } catch (LineSource.Malformed e) {
      return true;
    }
  }

  private String textOf(String json) throws BadInputException {
    JsonNode node;
    try {
      node = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw bad(BadInput.NOT_JSON, docLocation, "not JSON: " + e.getOriginalMessage(), false, e);
    }
    if (node == null || !node.isObject()) {
      throw bad(BadInput.NOT_JSON, docLocation, "a JSON " + (node == null ? "nothing" : node.getNodeType()
          .toString().toLowerCase(java.util.Locale.ROOT)) + ", not an object", false, null);
    }
    JsonNode v = node.get(field);
    if (v == null) {
      throw bad(BadInput.NO_FIELD, docLocation, "no field '" + field + "' (fields: " + fieldNames(node) + ")", false,
          null);
    }
    if (!v.isTextual()) {
      throw bad(BadInput.NOT_TEXT, docLocation, "field '" + field + "' holds a " + v.getNodeType().toString()
          .toLowerCase(java.util.Locale.ROOT) + ", not a string", false, null);
    }
    return PendingText.clean(v.textValue());
  }

  private static String fieldNames(JsonNode node) {
    StringBuilder b = new StringBuilder();
    node.fieldNames().forEachRemaining(n -> b.append(b.length() == 0 ? "" : ", ").append(n));
    return b.length() > 200 ? b.substring(0, 200) + "..." : b.toString();
  }

  private static BadInputException bad(String kind, String where, String detail, boolean endsFile, Throwable cause) {
    return new BadInputException(new BadInput(kind, where, detail), endsFile, cause);
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
