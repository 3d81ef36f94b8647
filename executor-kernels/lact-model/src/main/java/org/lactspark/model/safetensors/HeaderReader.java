package org.lactspark.model.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Reads and checks the length prefix and the header text of a file, then hands it to the parser. */
final class HeaderReader {
  /** The header length limit of the reference implementation, so a corrupt length fails fast. */
  static final long MAX_HEADER_BYTES = 100_000_000L;

  private HeaderReader() {}

  static Header read(FileChannel channel, String source) throws IOException {
    long fileSize = channel.size();
    if (fileSize < 8) {
      throw new IOException(source + ": file is " + fileSize
          + " bytes, too short for the 8-byte header length (truncated file?)");
    }
    ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(channel, prefix, 0, source);
    long n = prefix.getLong(0);
    // n is unsigned: a negative long is a length above 2^63, far over any limit
    if (n < 0 || n > MAX_HEADER_BYTES) {
      throw new IOException(source + ": header length " + Long.toUnsignedString(n)
          + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes (corrupt length?)");
    }
    if (n > fileSize - 8) {
      throw new IOException(source + ": header length " + n + " runs past the end of the file ("
          + fileSize + " bytes, so at most " + (fileSize - 8) + " header bytes; truncated file?)");
    }
    ByteBuffer headerBytes = ByteBuffer.allocate((int) n);
    readFully(channel, headerBytes, 8, source);
    headerBytes.flip();
    String json = decodeUtf8(headerBytes, source);
    if (!json.startsWith("{")) {
      throw new IOException(source + ": header does not start with '{' (not a safetensors file?)");
    }
    return HeaderParser.parse(json, fileSize - 8 - n, 8 + n, source);
  }

  private static String decodeUtf8(ByteBuffer bytes, String source) throws IOException {
    try {
      CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(bytes);
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw new IOException(source + ": header is not valid UTF-8", e);
    }
  }

  /** Fills {@code buffer} from {@code position}; the file ending first is an error. */
  static void readFully(FileChannel channel, ByteBuffer buffer, long position, String source)
      throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      int read = channel.read(buffer, at);
      if (read < 0) {
        throw new IOException(source + ": file ends at byte " + at + " but more data was expected"
            + " (truncated, or changed after it was opened?)");
      }
      at += read;
    }
  }
}
