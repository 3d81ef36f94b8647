package org.lactspark.data.source;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a byte stream as lines of strictly decoded UTF-8, in pieces of at most {@link
 * #MAX_PIECE_BYTES} so that a line of any length streams through in bounded memory. A byte-order
 * mark at the start of the stream, the carriage return of a CRLF line end and every U+FEFF are
 * dropped. Bytes that are not UTF-8 raise {@link Malformed} with their offset in the line.
 */
final class LineSource implements Closeable {
  /** The most bytes of one line held at once. */
  static final int MAX_PIECE_BYTES = 1 << 20;

  private final InputStream in;
  private final byte[] buf = new byte[1 << 16];
  private int pos;
  private int limit;
  private boolean eof;
  private byte[] acc = new byte[1 << 12];
  private int accLen;
  private byte[] carry = new byte[8];
  private int carryLen;
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
  private boolean streamStart = true;
  private boolean midLine;
  private long line;
  private long lineByte;
  private String text;
  private boolean lineStart;
  private boolean lineEnd;

  /** Bytes that are not UTF-8, at {@code lineByte} bytes into line {@code line}. */
  static final class Malformed extends IOException {
    private static final long serialVersionUID = 1L;
    final long line;
    final long lineByte;

    Malformed(long line, long lineByte) {
      super("bytes that are not UTF-8 at line " + line + ", byte " + lineByte + " of the line");
      this.line = line;
      this.lineByte = lineByte;
    }
  }

  LineSource(InputStream in) {
    this.in = in;
  }

  /** Reads the next piece; false at the end of the stream. */
  boolean next() throws IOException {
    lineStart = !midLine;
    if (lineStart) {
      line++;
      lineByte = 0;
    }
    accLen = 0;
    append(carry, 0, carryLen);
    carryLen = 0;
    boolean ended = fill();
    if (!ended && accLen == 0 && !midLine) {
      return false;
    }
    lineEnd = ended || eof;
    if (!lineEnd) {
      keepIncompleteTail();
    } else if (accLen > 0 && acc[accLen - 1] == '\r') {
      accLen--;
    }
    int bom = streamStart && accLen >= 3 && (acc[0] & 0xff) == 0xEF && (acc[1] & 0xff) == 0xBB
        && (acc[2] & 0xff) == 0xBF ? 3 : 0;
    streamStart = false;
    midLine = !lineEnd;
    text = decode(bom);
    lineByte += accLen;
    return true;
  }

  /** Appends bytes up to a newline (true), the piece limit or the end of the stream (false). */
  private boolean fill() throws IOException {
    while (accLen < MAX_PIECE_BYTES) {
      if (pos == limit && !refill()) {
        return false;
      }
      int room = Math.min(limit - pos, MAX_PIECE_BYTES - accLen);
      for (int i = pos; i < pos + room; i++) {
        if (buf[i] == '\n') {
          append(buf, pos, i - pos);
          pos = i + 1;
          return true;
        }
      }
      append(buf, pos, room);
      pos += room;
    }
    return false;
  }

  private boolean refill() throws IOException {
    if (eof) {
      return false;
    }
    int n = in.read(buf, 0, buf.length);
    while (n == 0) {
      n = in.read(buf, 0, buf.length);
    }
    if (n < 0) {
      eof = true;
      return false;
    }
    pos = 0;
    limit = n;
    return true;
  }

  /**
   * Moves an incomplete UTF-8 sequence (or a carriage return that may precede a newline) at the
   * end of a piece to the next piece, so that pieces cut a line only between characters.
   */
  private void keepIncompleteTail() {
    int cont = 0;
    while (cont < 3 && accLen - cont > 0 && (acc[accLen - 1 - cont] & 0xC0) == 0x80) {
      cont++;
    }
    int tail = 0;
    if (accLen - cont > 0) {
      int lead = acc[accLen - 1 - cont] & 0xff;
      int need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
      if (need > cont + 1) {
        tail = cont + 1;
      }
    }
    if (tail == 0 && accLen > 0 && acc[accLen - 1] == '\r') {
      tail = 1;
    }
    System.arraycopy(acc, accLen - tail, carry, 0, tail);
    carryLen = tail;
    accLen -= tail;
  }

  private String decode(int from) throws Malformed {
    ByteBuffer bytes = ByteBuffer.wrap(acc, from, accLen - from);
    CharBuffer chars = CharBuffer.allocate(accLen - from);
    decoder.reset();
    CoderResult r = decoder.decode(bytes, chars, true);
    if (r.isError()) {
      throw new Malformed(line, lineByte + bytes.position());
    }
    decoder.flush(chars);
    chars.flip();
    String s = chars.toString();
    return s.indexOf('\uFEFF') >= 0 ? s.replace("\uFEFF", "") : s;
  }

  private void append(byte[] src, int off, int len) {
    if (accLen + len > acc.length) {
      acc = Arrays.copyOf(acc, Math.max(acc.length * 2, accLen + len));
    }
    System.arraycopy(src, off, acc, accLen, len);
    accLen += len;
  }

  /** The current piece's text. */
  String text() {
    return text;
  }

  /** Whether the current piece starts its line. */
  boolean lineStart() {
    return lineStart;
  }

  /** Whether the current piece ends its line. */
  boolean lineEnd() {
    return lineEnd;
  }

  /** The current line's number, from 1. */
  long line() {
    return line;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
